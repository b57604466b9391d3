package io.jinfer.loader.tokenizer.hf;

/** The {@code WordLevel} model: every word is one vocabulary entry, or the unknown token. */
final class WordLevelModel implements TokenModel {
    private final Vocab vocab;
    private final int unk;

    WordLevelModel(Vocab vocab, int unk) {
        this.vocab = vocab;
        this.unk = unk;
    }

    @Override
    public int[] encode(String word) {
        int id = vocab.id(word);
        if (id < 0 && unk < 0) {
            throw new IllegalArgumentException("cannot tokenize '" + word
                    + "': the WordLevel model has no such word and its unk_token is not in the vocabulary");
        }
        return new int[] {id >= 0 ? id : unk};
    }

    @Override
    public String token(int id) {
        return vocab.text(id);
    }

    @Override
    public int id(String token) {
        return vocab.id(token);
    }

    @Override
    public int size() {
        return vocab.size();
    }
}
