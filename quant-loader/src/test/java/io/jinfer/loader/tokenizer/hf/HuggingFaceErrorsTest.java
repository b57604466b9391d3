package io.jinfer.loader.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed or unsupported files fail with a message that names the file, the field and the problem. */
class HuggingFaceErrorsTest {
    @TempDir
    Path tmp;

    private static final String BPE = "{'type':'BPE','vocab':{'a':0,'b':1},'merges':['a b']}";

    private ModelFormatException fails(String json) {
        return assertThrows(ModelFormatException.class, () -> TestFiles.load(tmp, json));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
        }
    }

    @Test
    void badJson() {
        assertMentions(fails("{'model': {'type': 'BPE',"), "tokenizer.json", "not valid JSON");
        assertMentions(fails("[1, 2]"), "tokenizer.json", "expected a JSON object");
    }

    @Test
    void missingPieces() {
        assertMentions(fails("{'normalizer':null}"), "tokenizer.json", "model", "required");
        assertMentions(fails("{'model':{'type':'BPE','merges':[]}}"), "model.vocab", "required");
        assertMentions(fails("{'model':{'vocab':{}}}"), "model.type", "missing");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HuggingFaceTokenizers.load(tmp.resolve("none")));
        assertMentions(e, "tokenizer.json", "not found");
        TestFiles.write(tmp.resolve("sp"), "tokenizer.model", "protobuf");
        assertMentions(assertThrows(ModelFormatException.class, () -> HuggingFaceTokenizers.load(tmp.resolve("sp"))),
                "tokenizer.model", "SentencePiece");
    }

    @Test
    void unsupportedTypesAreNamed() {
        assertMentions(fails("{'model':{'type':'Tiktoken','vocab':{}}}"), "tokenizer.json", "model.type",
                "Tiktoken", "BPE, Unigram, WordPiece, WordLevel");
        assertMentions(fails(TestFiles.json(BPE, "{'type':'Foo'}", "null", "null", "null", "[]")),
                "normalizer.type", "unsupported normalizer type 'Foo'");
        assertMentions(fails(TestFiles.json(BPE, "null", "{'type':'Sequence','pretokenizers':[{'type':'Whitespace'},"
                + "{'type':'UnicodeScripts'}]}", "null", "null", "[]")),
                "pre_tokenizer.pretokenizers[1].type", "unsupported pre-tokenizer type 'UnicodeScripts'");
        assertMentions(fails(TestFiles.json(BPE, "null", "null", "null", "{'type':'CTC'}", "[]")),
                "decoder.type", "'CTC'");
        assertMentions(fails(TestFiles.json(BPE, "null", "null", "{'type':'Weird'}", "null", "[]")),
                "post_processor.type", "'Weird'");
        assertMentions(fails(TestFiles.json(BPE, "null", "{'type':'Split','pattern':{'String':'x'},'behavior':'Odd'}",
                "null", "null", "[]")), "pre_tokenizer.behavior", "'Odd'");
    }

    @Test
    void malformedValues() {
        assertMentions(fails("{'model':{'type':'BPE','vocab':{'a':0},'merges':[7]}}"), "model.merges[0]");
        assertMentions(fails("{'model':{'type':'BPE','vocab':{'a':-3},'merges':[]}}"), "model.vocab", "'a'");
        assertMentions(fails("{'model':{'type':'Unigram','vocab':[['a','x']]}}"), "model.vocab[0]");
        assertMentions(fails("{'model':{'type':'BPE','unk_token':'<unk>','vocab':{'a':0},'merges':[]}}"),
                "model.unk_token", "not in the vocabulary");
        assertMentions(fails(TestFiles.json(BPE, "null", "{'type':'Split','pattern':{'Regex':'(a'},"
                + "'behavior':'Isolated'}", "null", "null", "[]")), "pre_tokenizer.pattern.Regex", "cannot compile");
        assertMentions(fails(TestFiles.json(BPE, "null", "null", "{'type':'TemplateProcessing','single':"
                + "[{'SpecialToken':{'id':'<s>','type_id':0}},{'Sequence':{'id':'A','type_id':0}}],'special_tokens':{}}",
                "null", "[]")), "post_processor.special_tokens", "'<s>'");
        assertMentions(fails(TestFiles.json(BPE, "{'type':'Precompiled','precompiled_charsmap':'AAAA'}", "null",
                "null", "null", "[]")), "normalizer.precompiled_charsmap");
    }

    @Test
    void configErrorsNameTheirFile() {
        TestFiles.write(tmp, "tokenizer_config.json", "{'chat_template': 5}");
        assertMentions(fails(TestFiles.json(BPE, "null", "null", "null", "null", "[]")), "tokenizer_config.json",
                "chat_template");
        TestFiles.write(tmp, "tokenizer_config.json", "{'bos_token':'<s>','add_bos_token':true}");
        assertMentions(fails(TestFiles.json(BPE, "null", "null", "null", "null", "[]")), "tokenizer_config.json",
                "add_bos_token", "not in");
    }
}
