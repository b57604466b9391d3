package io.jinfer.loader.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each normalizer, pre-tokenizer, decoder and post-processor, read from its JSON form. */
class HuggingFaceComponentsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ComponentReader reader = new ComponentReader(new JsonSource(Path.of("test.json")));

    private Normalizer normalizer(String json) throws Exception {
        return reader.normalizer(JSON.readTree(json.replace('\'', '"')), "normalizer");
    }

    private List<String> split(String json, String text, boolean atStart) throws Exception {
        List<String> out = new ArrayList<>();
        reader.preTokenizer(JSON.readTree(json.replace('\'', '"')), "pre_tokenizer").split(text, atStart, out);
        return out;
    }

    private String decode(String json, boolean sequenceStart, String... tokens) throws Exception {
        Decoder d = reader.decoder(JSON.readTree(json.replace('\'', '"')), "decoder");
        return new String(Decoder.run(d, List.of(tokens), sequenceStart), StandardCharsets.UTF_8);
    }

    @Test
    void unicodeNormalizationForms() throws Exception {
        String composed = "\u00C5\uFB01"; // Å and the fi ligature
        assertEquals("\u00C5\uFB01", normalizer("{'type':'NFC'}").normalize("A\u030A\uFB01"));
        assertEquals("A\u030A\uFB01", normalizer("{'type':'NFD'}").normalize(composed));
        assertEquals("\u00C5fi", normalizer("{'type':'NFKC'}").normalize(composed));
        assertEquals("A\u030Afi", normalizer("{'type':'NFKD'}").normalize(composed));
    }

    @Test
    void simpleNormalizers() throws Exception {
        assertEquals("straße ǆ", normalizer("{'type':'Lowercase'}").normalize("STRAßE Ǆ"));
        assertEquals("\u2581hi", normalizer("{'type':'Prepend','prepend':'\u2581'}").normalize("hi"));
        assertEquals("", normalizer("{'type':'Prepend','prepend':'\u2581'}").normalize(""));
        assertEquals("a\u2581b\u2581\u2581c", normalizer("{'type':'Replace','pattern':{'String':' '},'content':'\u2581'}")
                .normalize("a b  c"));
        assertEquals("a b c", normalizer("{'type':'Replace','pattern':{'Regex':'\\\\s+'},'content':' '}")
                .normalize("a \t b\u3000c"));
        assertEquals("x  ", normalizer("{'type':'Strip','strip_left':true,'strip_right':false}").normalize("\u3000 x  "));
        assertEquals(" x", normalizer("{'type':'Strip','strip_left':false,'strip_right':true}").normalize(" x \n"));
        assertEquals("cafe", normalizer("{'type':'StripAccents'}").normalize("cafe\u0301"));
        assertEquals("a b", normalizer("{'type':'Nmt'}").normalize("a\u0001\u200Bb"));
    }

    @Test
    void precompiledNormalizer() throws Exception {
        byte[] blob = io.jinfer.loader.tokenizer.text.CharsMapFixture.singleBytes(new char[] {'A'}, new String[] {"a"});
        Normalizer n = normalizer("{'type':'Precompiled','precompiled_charsmap':'"
                + java.util.Base64.getEncoder().encodeToString(blob) + "'}");
        assertEquals("aba", n.normalize("AbA"));
    }

    @Test
    void bertNormalizer() throws Exception {
        Normalizer n = normalizer("{'type':'BertNormalizer','clean_text':true,'handle_chinese_chars':true,"
                + "'strip_accents':null,'lowercase':true}");
        assertEquals("hello  中  国 ", n.normalize("Héllo\t\u0000中国"));
        Normalizer keep = normalizer("{'type':'BertNormalizer','clean_text':false,'handle_chinese_chars':false,"
                + "'strip_accents':false,'lowercase':false}");
        assertEquals("Héllo\t中国", keep.normalize("Héllo\t中国"));
    }

    @Test
    void sequenceOfNormalizers() throws Exception {
        Normalizer n = normalizer("{'type':'Sequence','normalizers':[{'type':'NFD'},{'type':'StripAccents'},"
                + "{'type':'Lowercase'}]}");
        assertEquals("resume", n.normalize("Résumé"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "Isolated;false;a,-,b,-,-,c",
        "Removed;false;a,b,c",
        "MergedWithPrevious;false;a-,b-,-,c",
        "MergedWithNext;false;a,-b,-,-c",
        "Contiguous;false;a,-,b,--,c",
        "Removed;true;-,-,-",
        "Isolated;true;a,-,b,-,-,c"})
    void splitBehaviours(String behaviour, boolean invert, String expected) throws Exception {
        String json = "{'type':'Split','pattern':{'String':'-'},'behavior':'" + behaviour + "','invert':" + invert + "}";
        assertEquals(List.of(expected.split(",")), split(json, "a-b--c", true));
    }

    @Test
    void splitMergedWithPreviousInverted() throws Exception {
        // inverted: the letters are the "matches" and join the dash run before them
        String json = "{'type':'Split','pattern':{'Regex':'[a-z]'},'behavior':'MergedWithPrevious','invert':true}";
        assertEquals(List.of("a-", "b--", "c"), split(json, "a-b--c", true));
    }

    @Test
    void splitRegexesOfRealTokenizers() throws Exception {
        var node = JSON.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        node.putObject("pattern").put("Regex", GgufVocabToJson.LLAMA3_REGEX);
        List<String> out = new ArrayList<>();
        reader.preTokenizer(node, "pre_tokenizer").split("I'M fine   12345\u3000\nx", true, out);
        // contractions in any case, \s+(?!\S) leaving one space for the next word, digits by three,
        // and the ideographic space counted as whitespace
        assertEquals(List.of("I", "'M", " fine", "  ", " ", "123", "45", "\u3000\n", "x"), out);
    }

    @Test
    void onigRegexTranslation() {
        assertEquals("[0-9a-fA-F]+", OnigRegex.translate("\\h+"));
        assertEquals("[x0-9a-fA-F]", OnigRegex.translate("[x\\h]"));
        assertEquals("\\p{IsHan}+\\p{L}", OnigRegex.translate("\\p{Han}+\\p{L}"));
        assertEquals("\\P{L}\\p{N}", OnigRegex.translate("\\p{^L}\\P{^N}"));
        // possessive and atomic forms, as in Bailing's pattern, mean the same in both dialects
        var possessive = OnigRegex.compile("'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*");
        assertEquals(List.of("I", "'LL", " go", "!!"), possessive.matcher("I'LL go!!").results().map(r -> r.group()).toList());
        // Unicode \s, as Oniguruma has it: the ideographic space is whitespace
        assertEquals(true, OnigRegex.compile("^\\s$").matcher("\u3000").matches());
        assertEquals(true, OnigRegex.compile("(?i:'s)").matcher("'S").matches());
        assertEquals(true, OnigRegex.compile("\\p{Han}").matcher("中").matches());
        // . stops only at \n, ^ and $ work per line
        assertEquals(true, OnigRegex.compile(".").matcher("\r").matches());
        assertEquals(2, OnigRegex.compile("^a").matcher("a\na").results().count());
    }

    @Test
    void byteLevelPreTokenizer() throws Exception {
        assertEquals(List.of("Ġhello", "Ġworld", "!"),
                split("{'type':'ByteLevel','add_prefix_space':true,'use_regex':true}", "hello world!", true));
        assertEquals(List.of("helloĠworld!"),
                split("{'type':'ByteLevel','add_prefix_space':false,'use_regex':false}", "hello world!", true));
        // every UTF-8 byte becomes one character: é is C3 A9
        assertEquals(List.of("Ã©"), split("{'type':'ByteLevel','add_prefix_space':false,'use_regex':true}", "é", true));
    }

    @Test
    void metaspacePrependSchemes() throws Exception {
        String always = "{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'always','split':true}";
        assertEquals(List.of("\u2581hello", "\u2581world"), split(always, "hello world", false));
        String first = "{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'first','split':false}";
        assertEquals(List.of("\u2581hello\u2581world"), split(first, "hello world", true));
        assertEquals(List.of("hello\u2581world"), split(first, "hello world", false));
        String never = "{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'never','split':true}";
        assertEquals(List.of("hello", "\u2581world"), split(never, "hello world", true));
        // the legacy form says add_prefix_space instead of prepend_scheme
        String legacy = "{'type':'Metaspace','replacement':'\u2581','add_prefix_space':true}";
        assertEquals(List.of("\u2581a", "\u2581b"), split(legacy, "a b", false));
    }

    @Test
    void whitespaceDigitsPunctuationBert() throws Exception {
        assertEquals(List.of("Hey", "friend", "!?", "a_1"), split("{'type':'Whitespace'}", "Hey friend!? a_1", true));
        assertEquals(List.of("Hey", "friend!?"), split("{'type':'WhitespaceSplit'}", " Hey\u3000friend!? ", true));
        assertEquals(List.of("a", "1", "2", "b"), split("{'type':'Digits','individual_digits':true}", "a12b", true));
        assertEquals(List.of("a", "12", "b", "3"), split("{'type':'Digits','individual_digits':false}", "a12b3", true));
        assertEquals(List.of("Hi", ",", " there", "«", "!"), split("{'type':'Punctuation'}", "Hi, there«!", true));
        assertEquals(List.of("Hi,", " there«", "!"),
                split("{'type':'Punctuation','behavior':'MergedWithPrevious'}", "Hi, there«!", true));
        assertEquals(List.of("Hi", ",", "there", "!", "!"), split("{'type':'BertPreTokenizer'}", "Hi,  there!!", true));
        assertEquals(List.of("a", "b c"), split("{'type':'CharDelimiterSplit','delimiter':'|'}", "a|b c", true));
    }

    @Test
    void sequenceOfPreTokenizers() throws Exception {
        String json = "{'type':'Sequence','pretokenizers':[{'type':'WhitespaceSplit'},"
                + "{'type':'Digits','individual_digits':true}]}";
        assertEquals(List.of("ab", "1", "2", "c"), split(json, "ab12 c", true));
    }

    @Test
    void decoders() throws Exception {
        assertEquals("hello world", decode("{'type':'ByteLevel'}", true, "hello", "Ġworld"));
        // a character split over two byte-level tokens is whole again once joined
        assertEquals("é!", decode("{'type':'ByteLevel'}", true, "Ã", "©!"));
        assertEquals("é", decode("{'type':'ByteFallback'}", true, "<0xC3>", "<0xA9>"));
        assertEquals("hello world", decode("{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'always'}", true,
                "\u2581hello", "\u2581world"));
        assertEquals(" hello", decode("{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'always'}", false,
                "\u2581hello"));
        assertEquals(" hello", decode("{'type':'Metaspace','replacement':'\u2581','prepend_scheme':'never'}", true,
                "\u2581hello"));
        assertEquals("ab", decode("{'type':'Fuse'}", true, "a", "b"));
        // each token loses at most one leading space
        assertEquals("a bc", decode("{'type':'Strip','content':' ','start':1,'stop':0}", true, " a", "  b", "c"));
        assertEquals("xy", decode("{'type':'Strip','content':'-','start':0,'stop':2}", true, "x--", "y-"));
        assertEquals("a b", decode("{'type':'Replace','pattern':{'String':'\u2581'},'content':' '}", true, "a\u2581b"));
        assertEquals("a-b", decode("{'type':'Replace','pattern':{'Regex':'\\\\s+'},'content':'-'}", true, "a  b"));
        assertEquals("hello world", decode("{'type':'Sequence','decoders':[{'type':'Replace','pattern':{'String':'\u2581'},"
                + "'content':' '},{'type':'ByteFallback'},{'type':'Fuse'},{'type':'Strip','content':' ','start':1,"
                + "'stop':0}]}", true, "\u2581hello", "\u2581world"));
        // in the middle of a stream the fused text keeps its space
        assertEquals(" hello", decode("{'type':'Sequence','decoders':[{'type':'Replace','pattern':{'String':'\u2581'},"
                + "'content':' '},{'type':'Fuse'},{'type':'Strip','content':' ','start':1,'stop':0}]}", false,
                "\u2581hello"));
    }

    @Test
    void wordPieceDecoder() throws Exception {
        String wp = "{'type':'WordPiece','prefix':'##','cleanup':true}";
        // clean-up works token by token, so only a space before punctuation in one token goes
        assertEquals("unaffable, isn ' t it?", decode(wp, true, "un", "##aff", "##able", ",", "isn", "'", "t", "it", "?"));
        assertEquals(" un", decode(wp, false, "un"));
        assertEquals("un ##aff", decode("{'type':'WordPiece','prefix':'@@','cleanup':false}", true, "un", "##aff"));
    }
}
