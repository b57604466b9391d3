package io.jinfer.cli;

/** The {@code --threads} option shared by the commands that run a model. */
final class Threads {
    /** At most what {@link io.jinfer.api.spi.RuntimeConfig} accepts. */
    static final int MAX = 1024;

    static final Option OPTION = Option.value("--threads", "N",
            "worker threads (default: all " + java.lang.Runtime.getRuntime().availableProcessors() + " processors)");

    private Threads() {}

    /**
     * @param args the parsed arguments
     * @return the thread count, by default one per available processor
     */
    static int parse(Args args) {
        return args.intValue(OPTION.name(), java.lang.Runtime.getRuntime().availableProcessors(), 1, MAX);
    }
}
