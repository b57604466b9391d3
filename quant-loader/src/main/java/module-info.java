/** GGUF and safetensors reading and writing, Hugging Face model directories, and tokenizers built from model metadata. */
module io.jinfer.loader {
    requires transitive io.jinfer.memory;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;

    exports io.jinfer.loader.gguf;
    exports io.jinfer.loader.quant;
    exports io.jinfer.loader.safetensors;
    exports io.jinfer.loader.hf;
    exports io.jinfer.loader.synth;
    exports io.jinfer.loader.tokenizer;
    exports io.jinfer.loader.tokenizer.hf;
}
