package io.jinfer.loader.tokenizer.hf;

import io.jinfer.loader.tokenizer.text.ByteLevelMapping;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code tokenizer.json} decoder: turns the tokens' vocabulary texts back into text. Pieces are
 * handled as UTF-8 bytes because byte-level and byte-fallback tokens may each hold part of a
 * character.
 */
sealed interface Decoder {
    /**
     * Where a chain runs: at the start of a sequence (whole-sequence decoding, where the first token
     * may lose its word-start space) or in the middle of one (one streamed token at a time). Fuse
     * records that the pieces were joined, so that a later Strip knows it is stripping the joined text.
     */
    final class Context {
        final boolean sequenceStart;
        boolean fused;

        Context(boolean sequenceStart) {
            this.sequenceStart = sequenceStart;
        }

        /** @return whether piece {@code i} is the first of the sequence */
        boolean first(int i) {
            return i == 0 && sequenceStart;
        }
    }

    /**
     * @param pieces the tokens' current bytes; replaced in place
     * @param ctx where the chain runs
     */
    void apply(List<byte[]> pieces, Context ctx);

    /** GPT-2's byte characters back to bytes (a token with other characters is kept as its own text). */
    record ByteLevel() implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            for (int i = 0; i < pieces.size(); i++) {
                String t = new String(pieces.get(i), StandardCharsets.UTF_8);
                byte[] out = new byte[t.length()];
                int n = 0;
                boolean mapped = true;
                for (int k = 0; k < t.length() && mapped; k++) {
                    int b = ByteLevelMapping.byteOf(t.charAt(k));
                    mapped = b >= 0;
                    out[n++] = (byte) b;
                }
                if (mapped) {
                    pieces.set(i, java.util.Arrays.copyOf(out, n));
                }
            }
        }
    }

    /** {@code <0xXX>} tokens become their byte. */
    record ByteFallback() implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            for (int i = 0; i < pieces.size(); i++) {
                byte[] p = pieces.get(i);
                if (p.length == 6 && p[0] == '<' && p[1] == '0' && p[2] == 'x' && p[5] == '>') {
                    int hi = Character.digit(p[3], 16);
                    int lo = Character.digit(p[4], 16);
                    if (hi >= 0 && lo >= 0) {
                        pieces.set(i, new byte[] {(byte) (hi * 16 + lo)});
                    }
                }
            }
        }
    }

    /** SentencePiece's word-start character back to a space; the sequence's first token loses it. */
    record Metaspace(String replacement, boolean stripFirst) implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            byte[] mark = replacement.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < pieces.size(); i++) {
                byte[] with = ctx.first(i) && stripFirst ? new byte[0] : new byte[] {' '};
                pieces.set(i, Replace.replaceBytes(pieces.get(i), mark, with));
            }
        }
    }

    /** Replaces a literal string (on bytes) or a regex's matches (on text that is valid UTF-8). */
    record Replace(String literal, Pattern regex, String content) implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            for (int i = 0; i < pieces.size(); i++) {
                byte[] p = pieces.get(i);
                if (literal != null) {
                    pieces.set(i, replaceBytes(p, literal.getBytes(StandardCharsets.UTF_8),
                            content.getBytes(StandardCharsets.UTF_8)));
                } else {
                    String t = strictUtf8(p);
                    if (t != null) {
                        pieces.set(i, regex.matcher(t).replaceAll(Matcher.quoteReplacement(content))
                                .getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }

        static byte[] replaceBytes(byte[] p, byte[] from, byte[] to) {
            if (from.length == 0) {
                return p;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(p.length);
            int i = 0;
            while (i < p.length) {
                if (i + from.length <= p.length && java.util.Arrays.equals(p, i, i + from.length, from, 0, from.length)) {
                    out.write(to, 0, to.length);
                    i += from.length;
                } else {
                    out.write(p[i++]);
                }
            }
            return out.toByteArray();
        }
    }

    /** Joins all pieces into one. */
    record Fuse() implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            pieces.forEach(p -> out.write(p, 0, p.length));
            pieces.clear();
            pieces.add(out.toByteArray());
            ctx.fused = true;
        }
    }

    /**
     * Removes up to {@code start} leading and {@code stop} trailing occurrences of a character from
     * each piece. After a Fuse in the middle of a sequence the joined piece does not start or end the
     * text, so nothing is removed there.
     */
    record Strip(String content, int start, int stop) implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            if (ctx.fused && !ctx.sequenceStart) {
                return;
            }
            byte[] c = content.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < pieces.size(); i++) {
                byte[] p = pieces.get(i);
                int from = 0;
                for (int k = 0; k < start && startsWith(p, from, c); k++) {
                    from += c.length;
                }
                int to = p.length;
                for (int k = 0; k < stop && to - c.length >= from && startsWith(p, to - c.length, c); k++) {
                    to -= c.length;
                }
                pieces.set(i, java.util.Arrays.copyOfRange(p, from, to));
            }
        }

        private static boolean startsWith(byte[] p, int at, byte[] c) {
            return c.length > 0 && at + c.length <= p.length && java.util.Arrays.equals(p, at, at + c.length, c, 0, c.length);
        }
    }

    /**
     * WordPiece: a piece with the continuing-subword prefix loses it, any other piece after the first
     * gets a space in front; optionally the library's clean-up of spaces before punctuation.
     */
    record WordPiece(String prefix, boolean cleanup) implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            for (int i = 0; i < pieces.size(); i++) {
                String t = new String(pieces.get(i), StandardCharsets.UTF_8);
                if (!ctx.first(i)) {
                    t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                }
                if (cleanup) {
                    t = cleanUp(t);
                }
                pieces.set(i, t.getBytes(StandardCharsets.UTF_8));
            }
        }

        /** The library's clean-up of tokenization spaces. */
        static String cleanUp(String t) {
            return t.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                    .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
                    .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
        }
    }

    /** BPE's end-of-word suffix becomes a space (nothing after the sequence's last token). */
    record BpeSuffix(String suffix) implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            for (int i = 0; i < pieces.size(); i++) {
                String t = new String(pieces.get(i), StandardCharsets.UTF_8);
                boolean last = i == pieces.size() - 1 && ctx.sequenceStart;
                pieces.set(i, t.replace(suffix, last ? "" : " ").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Several decoders, applied in order. */
    record Sequence(List<Decoder> steps) implements Decoder {
        @Override
        public void apply(List<byte[]> pieces, Context ctx) {
            for (Decoder d : steps) {
                d.apply(pieces, ctx);
            }
        }
    }

    /** @return the text of bytes that are valid UTF-8, or null */
    static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Runs a decoder (or none) over token texts.
     *
     * @param decoder the decoder, or null for plain concatenation
     * @param texts the token texts
     * @param sequenceStart whether the tokens start the sequence
     * @return the bytes
     */
    static byte[] run(Decoder decoder, List<String> texts, boolean sequenceStart) {
        List<byte[]> pieces = new ArrayList<>(texts.size());
        texts.forEach(t -> pieces.add(t.getBytes(StandardCharsets.UTF_8)));
        if (decoder != null) {
            decoder.apply(pieces, new Context(sequenceStart));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(p -> out.write(p, 0, p.length));
        return out.toByteArray();
    }
}
