package io.jinfer.executor;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.Tokenizer;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.Map;

/** A model read from one GGUF file: metadata, tensors and the tokenizer all come from the file. */
final class GgufModelSource implements ModelSource {
    private final GgufFile file;
    private final ModelConfig config;
    private final Tokenizer tokenizer;

    private GgufModelSource(GgufFile file, ModelConfig config, Tokenizer tokenizer) {
        this.file = file;
        this.config = config;
        this.tokenizer = tokenizer;
    }

    static GgufModelSource open(Path path) {
        // the first token reads every weight: map the pages in the background while parsing
        GgufFile file = GgufFile.open(path, true);
        try {
            var embd = file.tensor("token_embd.weight");
            ModelConfig config = ModelConfig.fromMetadata(path, file.metadata(), embd.rows());
            Tokenizer tokenizer = Tokenizers.fromGguf(file.metadata());
            if (tokenizer.vocabularySize() > config.vocabSize()) {
                throw new ModelFormatException(path, -1, "tokenizer.ggml.tokens",
                        "the vocabulary has " + tokenizer.vocabularySize() + " tokens but token_embd.weight only "
                                + config.vocabSize() + " rows");
            }
            return new GgufModelSource(file, config, tokenizer);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public String name() {
        return file.metadata().findString("general.name").orElse(file.path().getFileName().toString());
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public WeightSource weights() {
        return WeightSource.of(file);
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public Map<String, Object> metadata() {
        return file.metadata().asMap();
    }

    @Override
    public void close() {
        file.close();
    }
}
