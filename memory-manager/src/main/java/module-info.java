/** Off-heap lifetimes: memory-mapped weight files and native buffers owned by arenas. */
module io.jinfer.memory {
    requires transitive io.jinfer.api;

    exports io.jinfer.memory;
}
