package io.jinfer.loader.tokenizer.hf;

import io.jinfer.api.Tokenizer;
import io.jinfer.loader.tokenizer.text.Utf8StreamDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A tokenizer described by a Hugging Face {@code tokenizer.json}, run as the {@code tokenizers}
 * library runs it: added tokens are cut out first, each remaining piece is normalized, split into
 * words by the pre-tokenizer and encoded by the model, and the post-processor adds the special
 * tokens. Decoding skips special tokens and runs the decoder chain.
 *
 * <p>Immutable and thread-safe. Streamed tokens come out as they read in the middle of a text (a
 * SentencePiece word-start becomes a space; no space is stripped), and never split a UTF-8 character.
 */
public final class HuggingFaceTokenizer implements Tokenizer {
    /** Texts of special tokens that end a turn in common chat formats. */
    private static final Set<String> END_OF_TURN_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>",
            "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "<|end_of_text|>", "<end_of_utterance>",
            "<|return|>", "<|call|>");

    private final TokenModel model;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final PostProcessor postProcessor;
    private final AddedTokenSplitter rawAdded;
    private final AddedTokenSplitter normalizedAdded;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, Integer> addedByContent = new HashMap<>();
    private final HuggingFaceTokenizerConfig config;
    private final Decoder decoder;
    private final int size;
    /** Each token's streamed bytes, computed on first use (the decoder chain is too slow to run for
     * every entry of a large vocabulary at load time). */
    private final AtomicReferenceArray<byte[]> pieces;
    private final boolean[] endOfGeneration;
    private final int bos;
    private final int eos;

    HuggingFaceTokenizer(TokenModel model, Normalizer normalizer, PreTokenizer preTokenizer,
            PostProcessor postProcessor, Decoder decoder, List<AddedToken> added, HuggingFaceTokenizerConfig config,
            Collection<Integer> extraEndOfGeneration) {
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.decoder = decoder;
        this.config = config;
        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> norm = new ArrayList<>();
        List<String> normTexts = new ArrayList<>();
        int max = model.size();
        for (AddedToken t : added) {
            addedById.put(t.id(), t);
            addedByContent.putIfAbsent(t.content(), t.id());
            max = Math.max(max, t.id() + 1);
            if (t.normalized()) {
                norm.add(t);
                normTexts.add(normalizer == null ? t.content() : normalizer.normalize(t.content()));
            } else {
                raw.add(t);
            }
        }
        this.size = max;
        this.rawAdded = new AddedTokenSplitter(raw, raw.stream().map(AddedToken::content).toList());
        this.normalizedAdded = new AddedTokenSplitter(norm, normTexts);
        this.postProcessor = postProcessor;

        int leading = postProcessor == null ? -1 : postProcessor.leadingToken();
        int trailing = postProcessor == null ? -1 : postProcessor.trailingToken();
        this.bos = config.bosToken() != null ? idOrMinusOne(config.bosToken()) : leading;
        this.eos = config.eosToken() != null ? idOrMinusOne(config.eosToken()) : trailing;

        this.pieces = new AtomicReferenceArray<>(size);
        this.endOfGeneration = new boolean[size];
        if (eos >= 0) {
            endOfGeneration[eos] = true;
        }
        for (AddedToken a : added) {
            if (a.special() && END_OF_TURN_TEXTS.contains(a.content())) {
                endOfGeneration[a.id()] = true;
            }
        }
        for (int id : extraEndOfGeneration) {
            if (id >= 0 && id < size) {
                endOfGeneration[id] = true;
            }
        }
    }

    private int idOrMinusOne(String text) {
        Integer a = addedByContent.get(text);
        return a != null ? a : model.id(text);
    }

    /**
     * Returns what {@code tokenizer_config.json} said: special tokens by role and the chat templates.
     *
     * @return the configuration ({@link HuggingFaceTokenizerConfig#EMPTY} when there was no file)
     */
    public HuggingFaceTokenizerConfig config() {
        return config;
    }

    /**
     * Looks up a token by its text: an added token's content or a vocabulary entry.
     *
     * @param text the token's text
     * @return its id, or -1 when no token has exactly this text
     */
    public int tokenId(String text) {
        return idOrMinusOne(text);
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        String clean = withoutLoneSurrogates(text);
        IdList out = new IdList(clean.length() / 3 + 4);
        List<String> words = new ArrayList<>();
        for (AddedTokenSplitter.Piece p : rawAdded.split(clean, parseSpecial)) {
            if (!p.isText()) {
                out.add(p.token());
                continue;
            }
            String part = clean.substring(p.start(), p.end());
            String normalized = normalizer == null ? part : normalizer.normalize(part);
            for (AddedTokenSplitter.Piece q : normalizedAdded.split(normalized, parseSpecial)) {
                if (!q.isText()) {
                    out.add(q.token());
                    continue;
                }
                String section = normalized.substring(q.start(), q.end());
                words.clear();
                if (preTokenizer == null) {
                    words.add(section);
                } else {
                    preTokenizer.split(section, p.start() == 0 && q.start() == 0, words);
                }
                for (String w : words) {
                    if (!w.isEmpty()) {
                        out.addAll(model.encode(w));
                    }
                }
            }
        }
        int[] ids = out.toArray();
        return addSpecial && postProcessor != null ? postProcessor.addSpecialTokens(ids) : ids;
    }

    /** A Java string may hold unpaired surrogates, which have no UTF-8 form; they become U+FFFD. */
    private static String withoutLoneSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                StringBuilder sb = new StringBuilder(s.length());
                s.codePoints().forEach(cp -> sb.appendCodePoint(
                        cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? 0xFFFD : cp));
                return sb.toString();
            }
        }
        return s;
    }

    @Override
    public byte[] tokenBytes(int token) {
        return piece(token).clone();
    }

    /** The bytes a token stands for in the middle of a text (never modified once made). */
    private byte[] piece(int token) {
        byte[] p = pieces.get(checked(token));
        if (p == null) {
            AddedToken a = addedById.get(token);
            p = a != null && a.special() ? new byte[0]
                    : Decoder.run(decoder, List.of(a != null ? a.content() : model.token(token)), false);
            pieces.set(token, p);
        }
        return p;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Special tokens give no text; the others go through the decoder chain together, so that the
     * first token loses its word-start space where the decoder says so.
     */
    @Override
    public String decode(int[] tokens) {
        List<String> texts = new ArrayList<>(tokens.length);
        for (int t : tokens) {
            checked(t);
            AddedToken a = addedById.get(t);
            if (a != null) {
                if (!a.special()) {
                    texts.add(a.content());
                }
            } else {
                texts.add(model.token(t));
            }
        }
        return new String(Decoder.run(decoder, texts, true), StandardCharsets.UTF_8);
    }

    @Override
    public StreamDecoder newStreamDecoder() {
        return new Utf8StreamDecoder(this::piece);
    }

    @Override
    public int vocabularySize() {
        return size;
    }

    @Override
    public int bosToken() {
        return bos;
    }

    @Override
    public int eosToken() {
        return eos;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token >= 0 && token < size && endOfGeneration[token];
    }

    @Override
    public String tokenText(int token) {
        AddedToken a = addedById.get(checked(token));
        return a != null ? a.content() : model.token(token);
    }

    private int checked(int token) {
        if (token < 0 || token >= size || (!addedById.containsKey(token) && model.token(token) == null)) {
            throw new IllegalArgumentException("token id " + token + " is not in the vocabulary (size " + size + ")");
        }
        return token;
    }
}
