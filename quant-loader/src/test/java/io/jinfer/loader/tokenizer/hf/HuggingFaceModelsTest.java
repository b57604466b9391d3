package io.jinfer.loader.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three models on tiny hand-made vocabularies. */
class HuggingFaceModelsTest {
    @TempDir
    Path tmp;

    private static final String UNIGRAM = """
            {'type':'Unigram','unk_id':0,'byte_fallback':%s,'vocab':[['<unk>',0],['\u2581',-2],['a',-3],['b',-3],
             ['ab',-2],['\u2581a',-2.5],['\u2581ab',-5],['c',-3],['abc',-5.5],['<0x78>',-9],['<0x79>',-9],
             ['<0xC3>',-9],['<0xA9>',-9]]}""";

    private Tokenizer unigram(boolean byteFallback) {
        return TestFiles.load(tmp, TestFiles.json(UNIGRAM.formatted(byteFallback), "null",
                "{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'always','split':true}", "null",
                "{'type':'Sequence','decoders':[{'type':'ByteFallback'},"
                        + "{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'always','split':true}]}", "[]"));
    }

    @Test
    void unigramPicksTheBestScoringSegmentation() {
        Tokenizer t = unigram(false);
        // ▁ab: "▁ab" alone scores -5, "▁a"+"b" -5.5, "▁"+"ab" -4: the last wins
        assertArrayEquals(new int[] {1, 4}, t.encode("ab", false, false));
        // ▁abc: ▁ ab c = -7 beats ▁ abc = -7.5, ▁ab c = -8 and ▁a b c = -8.5
        assertArrayEquals(new int[] {1, 4, 7}, t.encode("abc", false, false));
        // ▁a: "▁a" -2.5 beats "▁"+"a" -5
        assertArrayEquals(new int[] {5}, t.encode("a", false, false));
        assertEquals("ab abc", t.decode(t.encode("ab abc", false, false)));
    }

    @Test
    void unigramFusesUnknownCharactersOrSpellsTheirBytes() {
        Tokenizer t = unigram(false);
        // "xy" is unknown: one fused <unk> after the ▁
        assertArrayEquals(new int[] {1, 0}, t.encode("xy", false, false));
        assertArrayEquals(new int[] {5, 0, 4}, t.encode("axyab", false, false));
        Tokenizer bytes = unigram(true);
        assertArrayEquals(new int[] {1, 9, 10}, bytes.encode("xy", false, false));
        // é has no piece and its bytes C3 A9 both have tokens
        int[] e = bytes.encode("é", false, false);
        assertArrayEquals(new int[] {1, 11, 12}, e);
        assertEquals("é", bytes.decode(e));
        // unknown with no byte tokens for it: <unk>
        assertArrayEquals(new int[] {1, 0}, bytes.encode("z", false, false));
    }

    private Tokenizer bert(int maxChars) {
        String vocab = "{'[PAD]':0,'[UNK]':1,'[CLS]':2,'[SEP]':3,'hello':4,',':5,'un':6,'##aff':7,'##able':8,"
                + "'world':9,'!':10,'cafe':11,'##s':12,'的':13}";
        String added = "[{'id':0,'content':'[PAD]','special':true},{'id':1,'content':'[UNK]','special':true},"
                + "{'id':2,'content':'[CLS]','special':true},{'id':3,'content':'[SEP]','special':true}]";
        return TestFiles.load(tmp, TestFiles.json(
                "{'type':'WordPiece','unk_token':'[UNK]','continuing_subword_prefix':'##','max_input_chars_per_word':"
                        + maxChars + ",'vocab':" + vocab + "}",
                "{'type':'BertNormalizer','clean_text':true,'handle_chinese_chars':true,'strip_accents':null,"
                        + "'lowercase':true}",
                "{'type':'BertPreTokenizer'}",
                "{'type':'BertProcessing','sep':['[SEP]',3],'cls':['[CLS]',2]}",
                "{'type':'WordPiece','prefix':'##','cleanup':true}", added));
    }

    @Test
    void wordPieceGreedyLongestMatchWithBertPipeline() {
        Tokenizer t = bert(100);
        int[] ids = t.encode("Hello, UNAFFABLE\tworld!", true, true);
        assertArrayEquals(new int[] {2, 4, 5, 6, 7, 8, 9, 10, 3}, ids);
        assertEquals(2, t.bosToken());
        assertEquals(3, t.eosToken());
        // special tokens give no text; the WordPiece decoder joins ## pieces and cleans up " ," and " !"
        assertEquals("hello, unaffable world!", t.decode(ids));
        // accents are stripped when lowercasing; CJK characters become words of their own
        assertArrayEquals(new int[] {11, 12, 13}, t.encode("Cafés的", false, false));
        // a word that cannot be covered is one [UNK]
        assertArrayEquals(new int[] {1, 9}, t.encode("unaffablex world", false, false));
        // streaming: "##aff" continues the word, "world" starts a new one
        Tokenizer.StreamDecoder sd = t.newStreamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sd.accept(id));
        }
        assertEquals(" hello, unaffable world!", sb.append(sd.flush()).toString());
    }

    @Test
    void wordPieceTooLongWordIsUnknown() {
        Tokenizer t = bert(4);
        assertArrayEquals(new int[] {1, 6}, t.encode("hello un", false, false));
    }

    private Tokenizer bpe(String extra) {
        String vocab = "{'<unk>':0,'a':1,'b':2,'c':3,'ab':4,'abc':5,'bc':6,'<0xC3>':7,'<0xA9>':8,'d':9,'dd':10,'ddd':11}";
        return TestFiles.load(tmp, TestFiles.json("{'type':'BPE','unk_token':'<unk>'" + extra + ",'vocab':" + vocab
                + ",'merges':['b c',['a','b'],'ab c','d d']}", "null", "null", "null",
                "{'type':'Sequence','decoders':[{'type':'ByteFallback'},{'type':'Fuse'}]}", "[]"));
    }

    @Test
    void bpeMergesByRankWithStringAndPairMerges() {
        Tokenizer t = bpe("");
        // "b c" has rank 0, so abc → a + bc, and no merge joins a and bc
        assertArrayEquals(new int[] {1, 6}, t.encode("abc", false, false));
        assertArrayEquals(new int[] {4}, t.encode("ab", false, false));
        // leftmost first on equal ranks: dd + d
        assertArrayEquals(new int[] {10, 9}, t.encode("ddd", false, false));
        assertEquals("abab", t.decode(new int[] {4, 4}));
    }

    @Test
    void bpeUnknownByteFallbackAndIgnoreMerges() {
        // without byte fallback: unknown characters, fused when asked
        assertArrayEquals(new int[] {1, 0, 0}, bpe("").encode("axy", false, false));
        assertArrayEquals(new int[] {1, 0}, bpe(",'fuse_unk':true").encode("axy", false, false));
        // with byte fallback: é is spelled by its bytes, and decodes back
        Tokenizer fb = bpe(",'byte_fallback':true");
        assertArrayEquals(new int[] {1, 7, 8}, fb.encode("aé", false, false));
        assertEquals("aé", fb.decode(fb.encode("aé", false, false)));
        // ignore_merges: a word that is in the vocabulary is taken whole
        assertArrayEquals(new int[] {11}, bpe(",'ignore_merges':true").encode("ddd", false, false));
    }

    @Test
    void bpeContinuingSubwordPrefixAndSuffix() {
        String vocab = "{'a':0,'##b':1,'##c':2,'##bc':3,'a##b':4,'ab':5,'x</w>':6,'y':7,'yx</w>':8}";
        Tokenizer t = TestFiles.load(tmp, TestFiles.json("{'type':'BPE','continuing_subword_prefix':'##',"
                + "'vocab':" + vocab + ",'merges':['##b ##c','a ##bc']}", "null", "{'type':'WhitespaceSplit'}",
                "null", "{'type':'BPEDecoder','suffix':'</w>'}", "[]"));
        // "abc": a ##b ##c → a ##bc; "a ##bc" gives "abc", not in the vocabulary, so stays
        assertArrayEquals(new int[] {0, 3}, t.encode("abc", false, false));
        Tokenizer s = TestFiles.load(tmp, TestFiles.json("{'type':'BPE','end_of_word_suffix':'</w>',"
                + "'vocab':" + vocab + ",'merges':['y x</w>']}", "null", "{'type':'WhitespaceSplit'}",
                "null", "{'type':'BPEDecoder','suffix':'</w>'}", "[]"));
        assertArrayEquals(new int[] {8, 6}, s.encode("yx x", false, false));
        assertEquals("yx x", s.decode(new int[] {8, 6}));
    }

    @Test
    void wordLevelLooksUpWholeWords() {
        Tokenizer t = TestFiles.load(tmp, TestFiles.json("{'type':'WordLevel','unk_token':'<unk>',"
                + "'vocab':{'<unk>':0,'hello':1,'world':2}}", "{'type':'Lowercase'}", "{'type':'WhitespaceSplit'}",
                "null", "null", "[]"));
        assertArrayEquals(new int[] {1, 0, 2}, t.encode("Hello there WORLD", false, false));
    }

    @Test
    void oneTokenizerServesManyThreads() throws Exception {
        Tokenizer t = bpe(",'byte_fallback':true");
        String[] texts = {"abc", "ddd", "aé", "abab", "dabc", "cba"};
        int[][] expected = new int[texts.length][];
        for (int i = 0; i < texts.length; i++) {
            expected[i] = t.encode(texts[i], false, false);
        }
        Tokenizer fresh = bpe(",'byte_fallback':true");
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int k = 0; k < 64; k++) {
                int i = k % texts.length;
                futures.add(pool.submit(() -> java.util.Arrays.equals(expected[i], fresh.encode(texts[i], false, false))
                        && fresh.decode(expected[i]).equals(texts[i])));
            }
            for (var f : futures) {
                org.junit.jupiter.api.Assertions.assertTrue(f.get());
            }
        }
    }
}
