/** LangChain4j chat models backed by the in-process jinfer runtime. */
module io.jinfer.langchain4j {
    requires transitive io.jinfer.executor;
    requires transitive langchain4j.core;
    requires transitive io.jinfer.chat;

    exports io.jinfer.langchain4j;
}
