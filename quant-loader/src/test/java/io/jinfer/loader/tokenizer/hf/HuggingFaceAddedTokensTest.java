package io.jinfer.loader.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Added tokens (special or not, lstrip/rstrip, normalized, single_word), tokenizer_config.json, streaming. */
class HuggingFaceAddedTokensTest {
    @TempDir
    Path tmp;

    private static final String MODEL = "{'type':'BPE','unk_token':'<unk>','vocab':{'<s>':0,'</s>':1,'<tool>':2,"
            + "'a':3,'b':4,' ':5,'ab':6,'c':7,'t':8,'s':9,'<unk>':10,'x':12,'y':13,'z':14},'merges':['a b']}";
    private static final String ADDED = "[{'id':0,'content':'<s>','special':true,'normalized':false},"
            + "{'id':1,'content':'</s>','special':true,'normalized':false},"
            + "{'id':2,'content':'<tool>','special':false,'lstrip':true,'rstrip':true,'normalized':false},"
            + "{'id':15,'content':'xyz','special':false,'normalized':true},"
            + "{'id':16,'content':'cat','special':false,'single_word':true,'normalized':false}]";

    private HuggingFaceTokenizer tokenizer() {
        return TestFiles.load(tmp, TestFiles.json(MODEL, "{'type':'Lowercase'}", "null",
                "{'type':'TemplateProcessing','single':[{'SpecialToken':{'id':'<s>','type_id':0}},"
                        + "{'Sequence':{'id':'A','type_id':0}}],'special_tokens':{'<s>':{'id':'<s>','ids':[0],"
                        + "'tokens':['<s>']}}}",
                "null", ADDED));
    }

    @Test
    void specialTokensAreMatchedOnlyWhenParsed() {
        Tokenizer t = tokenizer();
        assertArrayEquals(new int[] {0, 6, 1}, t.encode("<s>ab</s>", false, true));
        int[] literal = t.encode("<s>ab</s>", false, false);
        assertFalse(Arrays.stream(literal).anyMatch(id -> id == 0 || id == 1), Arrays.toString(literal));
        // the template adds <s> in front
        assertArrayEquals(new int[] {0, 6}, t.encode("ab"));
        assertEquals(0, t.bosToken());
        assertEquals(-1, t.eosToken());
    }

    @Test
    void lstripAndRstripSwallowWhitespace() {
        Tokenizer t = tokenizer();
        // a non-special added token is matched even when special tokens are not parsed
        assertArrayEquals(new int[] {6, 2, 6}, t.encode("ab<tool>ab", false, false));
        assertArrayEquals(new int[] {6, 2, 6}, t.encode("ab  <tool> \t ab", false, false));
        assertArrayEquals(new int[] {6, 5, 6}, t.encode("ab ab", false, false));
    }

    @Test
    void normalizedTokensMatchAfterNormalization() {
        Tokenizer t = tokenizer();
        assertArrayEquals(new int[] {15}, t.encode("XYZ", false, false));
        assertArrayEquals(new int[] {6, 15, 6}, t.encode("abxyzab", false, false));
    }

    @Test
    void singleWordTokensNeedWordBoundaries() {
        Tokenizer t = tokenizer();
        assertArrayEquals(new int[] {16}, t.encode("cat", false, false));
        assertArrayEquals(new int[] {16, 5, 6}, t.encode("cat ab", false, false));
        int[] cats = t.encode("cats", false, false);
        assertArrayEquals(new int[] {7, 3, 8, 9}, cats);
    }

    @Test
    void decodingSkipsSpecialTokensOnly() {
        Tokenizer t = tokenizer();
        assertEquals("ab<tool>ab", t.decode(new int[] {0, 6, 2, 6, 1}));
        assertEquals("<tool>", t.tokenText(2));
        assertEquals("</s>", t.tokenText(1));
        assertArrayEquals(new byte[0], t.tokenBytes(1));
        assertEquals(17, t.vocabularySize());
        // id 11 is a gap in this vocabulary
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(11));
    }

    @Test
    void tokenizerConfigDecidesBosEosAndGivesTheChatTemplates() {
        TestFiles.write(tmp, "tokenizer_config.json", "{'bos_token':{'__type':'AddedToken','content':'<s>'},"
                + "'eos_token':'</s>','pad_token':null,'unk_token':'<unk>','add_bos_token':true,'add_eos_token':true,"
                + "'chat_template':[{'name':'default','template':'{{ messages }}'},{'name':'tool_use','template':'T'}],"
                + "'added_tokens_decoder':{'17':{'content':'<extra>','special':true,'lstrip':false,'rstrip':false,"
                + "'normalized':false,'single_word':false}}}");
        TestFiles.write(tmp, "generation_config.json", "{'eos_token_id':[1,2]}");
        HuggingFaceTokenizer t = tokenizer();
        assertArrayEquals(new int[] {0, 6, 1}, t.encode("ab"));
        assertArrayEquals(new int[] {6}, t.encode("ab", false, true));
        HuggingFaceTokenizerConfig c = t.config();
        assertEquals("<s>", c.bosToken());
        assertEquals("</s>", c.eosToken());
        assertEquals(null, c.padToken());
        assertEquals("<unk>", c.unkToken());
        assertEquals(Boolean.TRUE, c.addBosToken());
        assertEquals("{{ messages }}", c.chatTemplate().orElseThrow());
        assertEquals("T", c.chatTemplate("tool_use").orElseThrow());
        assertEquals(1, t.eosToken());
        assertTrue(t.isEndOfGeneration(1));
        assertTrue(t.isEndOfGeneration(2), "from generation_config.json");
        assertFalse(t.isEndOfGeneration(6));
        // a token only tokenizer_config.json defines
        assertArrayEquals(new int[] {17}, t.encode("<extra>", false, true));
        assertEquals(17, t.tokenId("<extra>"));
    }

    @Test
    void addBosFalseInConfigOverridesTheTemplate() {
        TestFiles.write(tmp, "tokenizer_config.json", "{'bos_token':'<s>','add_bos_token':false,"
                + "'chat_template':'{{ bos_token }}'}");
        TestFiles.write(tmp, "chat_template.jinja", "ignored: the config has one");
        HuggingFaceTokenizer t = tokenizer();
        assertArrayEquals(new int[] {6}, t.encode("ab"));
        assertEquals("{{ bos_token }}", t.config().chatTemplate().orElseThrow());
    }

    @Test
    void chatTemplateFileIsUsedWhenTheConfigHasNone() {
        TestFiles.write(tmp, "chat_template.jinja", "{% for m in messages %}{{ m }}{% endfor %}");
        assertEquals("{% for m in messages %}{{ m }}{% endfor %}",
                tokenizer().config().chatTemplate().orElseThrow());
        assertEquals("T", HuggingFaceTokenizers.readConfig(TestFiles.write(tmp, "c.json", "{'chat_template':'T'}"))
                .chatTemplate().orElseThrow());
    }

    @Test
    void loadWithExplicitFiles() {
        Path json = TestFiles.write(tmp, "t.json", TestFiles.json(MODEL, "null", "null", "null", "null", ADDED));
        Path cfg = TestFiles.write(tmp, "cfg.json", "{'eos_token':'</s>','add_eos_token':true}");
        Tokenizer t = HuggingFaceTokenizers.load(json, cfg);
        assertArrayEquals(new int[] {6, 1}, t.encode("ab"));
        assertArrayEquals(new int[] {6}, HuggingFaceTokenizers.load(json, null).encode("ab"));
    }

    @Test
    void streamingHoldsBackSplitCharacters() {
        // 🦙 is F0 9F A6 99: four byte-fallback tokens
        String vocab = "{'<unk>':0,'a':1,'<0xF0>':2,'<0x9F>':3,'<0xA6>':4,'<0x99>':5,'\u2581':6,'\u2581a':7}";
        Tokenizer t = TestFiles.load(tmp, TestFiles.json("{'type':'BPE','unk_token':'<unk>','byte_fallback':true,"
                + "'vocab':" + vocab + ",'merges':['\u2581 a']}", "null",
                "{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'first','split':false}", "null",
                "{'type':'Sequence','decoders':[{'type':'ByteFallback'},{'type':'Metaspace','replacement':'\u2581',"
                        + "'prepend_scheme':'first','split':false}]}", "[]"));
        int[] ids = t.encode("a🦙", false, false);
        assertArrayEquals(new int[] {7, 2, 3, 4, 5}, ids);
        Tokenizer.StreamDecoder sd = t.newStreamDecoder();
        assertEquals(" a", sd.accept(ids[0]));
        assertEquals("", sd.accept(ids[1]));
        assertEquals("", sd.accept(ids[2]));
        assertEquals("", sd.accept(ids[3]));
        assertEquals("🦙", sd.accept(ids[4]));
        assertEquals("", sd.flush());
        assertEquals("a🦙", t.decode(ids));
        // cut short: the unfinished character becomes U+FFFD on flush
        Tokenizer.StreamDecoder cut = t.newStreamDecoder();
        assertEquals("", cut.accept(2));
        assertEquals("", cut.accept(3));
        assertEquals("\uFFFD", cut.flush());
    }

    @Test
    void byteLevelStreamingJoinsACharacterSplitOverTokens() {
        // é is C3 A9, spelled Ã and © in GPT-2's byte characters, here as two tokens
        Tokenizer t = TestFiles.load(tmp, TestFiles.json("{'type':'BPE','vocab':{'Ã':0,'©':1,'h':2,'Ġ':3},'merges':[]}",
                "null", "{'type':'ByteLevel','add_prefix_space':false,'use_regex':true}", "null",
                "{'type':'ByteLevel'}", "[]"));
        int[] ids = t.encode("h é", false, false);
        assertArrayEquals(new int[] {2, 3, 0, 1}, ids);
        Tokenizer.StreamDecoder sd = t.newStreamDecoder();
        assertEquals("h", sd.accept(2));
        assertEquals(" ", sd.accept(3));
        assertEquals("", sd.accept(0));
        assertEquals("é", sd.accept(1));
        assertEquals("h é", t.decode(ids));
    }
}
