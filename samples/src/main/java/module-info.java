/** The jinfer command line. */
module io.jinfer.samples {
    requires io.jinfer.executor;

    exports io.jinfer.cli;
}
