package io.jinfer.loader.tokenizer.hf;

/**
 * The {@code WordPiece} model (BERT): greedy longest-match-first, with pieces after the first
 * carrying the continuing-subword prefix ({@code ##}). A word that cannot be covered, or that is
 * longer than the limit, becomes the unknown token as a whole.
 */
final class WordPieceModel implements TokenModel {
    private final Vocab vocab;
    private final int unk;
    private final String prefix;
    private final int maxChars;

    WordPieceModel(Vocab vocab, int unk, String prefix, int maxChars) {
        this.vocab = vocab;
        this.unk = unk;
        this.prefix = prefix;
        this.maxChars = maxChars;
    }

    @Override
    public int[] encode(String word) {
        if (word.codePointCount(0, word.length()) > maxChars) {
            return unknown(word);
        }
        IdList out = new IdList(4);
        int start = 0;
        while (start < word.length()) {
            int found = -1;
            int end = word.length();
            while (end > start) {
                String piece = (start > 0 ? prefix : "") + word.substring(start, end);
                found = vocab.id(piece);
                if (found >= 0) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found < 0) {
                return unknown(word);
            }
            out.add(found);
            start = end;
        }
        return out.toArray();
    }

    private int[] unknown(String word) {
        if (unk < 0) {
            throw new IllegalArgumentException("cannot tokenize '" + word
                    + "': the WordPiece model has no piece for it and its unk_token is not in the vocabulary");
        }
        return new int[] {unk};
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
