/**
 * The public surface of jinfer: {@link io.jinfer.api.Runtime}, {@link io.jinfer.api.Model},
 * {@link io.jinfer.api.Session}, generation requests, the {@link io.jinfer.api.Tokenizer},
 * {@link io.jinfer.api.QuantFormat}, exceptions and the backend SPI.
 */
module io.jinfer.api {
    requires org.slf4j;

    exports io.jinfer.api;
    exports io.jinfer.api.spi;
    exports io.jinfer.api.format;

    uses io.jinfer.api.spi.EngineProvider;
    uses io.jinfer.api.spi.Backend;
}
