package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static final List<Option> OPTIONS = List.of(
            Option.value("--model", "FILE", "m"), Option.value("-n", "N", "n"), Option.value("--seed", "S", "s"),
            Option.value("--temp", "T", "t"), Option.flag("--json", "j"));

    private static Args parse(String... args) {
        return Args.parse(List.of(args), OPTIONS);
    }

    @Test
    void valuesFlagsAndPositionalsInAnyOrder() {
        Args a = parse("x", "--json", "--model", "m.gguf", "-n", "5", "y");
        assertEquals("m.gguf", a.string("--model"));
        assertEquals(5, a.intValue("-n", 0, 0, 10));
        assertTrue(a.has("--json"));
        assertFalse(a.has("--seed"));
        assertEquals(List.of("x", "y"), a.positionals());
        assertNull(a.string("--seed"));
        assertEquals(7, a.intValue("--seed", 7, 0, 10), "fallback when absent");
    }

    @Test
    void valueAfterEqualsSign() {
        assertEquals("a=b", parse("--model=a=b").string("--model"));
    }

    @Test
    void valueMayLookLikeAnOption() {
        assertEquals(-1, parse("--seed", "-1").longValue("--seed", 0));
        assertEquals("--json", parse("--model", "--json").string("--model"));
    }

    @Test
    void unknownOptionIsNamed() {
        UsageException e = assertThrows(UsageException.class, () -> parse("--frobnicate"));
        assertTrue(e.getMessage().contains("--frobnicate"), e.getMessage());
    }

    @Test
    void missingValueIsNamed() {
        UsageException e = assertThrows(UsageException.class, () -> parse("--model"));
        assertTrue(e.getMessage().contains("--model"), e.getMessage());
    }

    @Test
    void flagWithValueIsRejected() {
        assertThrows(UsageException.class, () -> parse("--json=yes"));
    }

    @Test
    void optionGivenTwiceIsRejected() {
        UsageException e = assertThrows(UsageException.class, () -> parse("-n", "1", "-n", "2"));
        assertTrue(e.getMessage().contains("-n"), e.getMessage());
    }

    @Test
    void integerRangeAndSyntaxAreChecked() {
        assertThrows(UsageException.class, () -> parse("-n", "11").intValue("-n", 0, 0, 10));
        assertThrows(UsageException.class, () -> parse("-n", "-1").intValue("-n", 0, 0, 10));
        UsageException e = assertThrows(UsageException.class, () -> parse("-n", "2x").intValue("-n", 0, 0, 10));
        assertTrue(e.getMessage().startsWith("-n:"), e.getMessage());
        assertThrows(UsageException.class, () -> parse("-n", "99999999999").intValue("-n", 0, 0, Integer.MAX_VALUE));
    }

    @Test
    void floatsMustBeFiniteAndObeyTheRule() {
        assertEquals(0.5f, parse("--temp", "0.5").floatValue("--temp", 1, x -> x >= 0, ">= 0"));
        for (String bad : List.of("NaN", "Infinity", "-0.5", "abc", "")) {
            UsageException e = assertThrows(UsageException.class,
                    () -> parse("--temp", bad).floatValue("--temp", 1, x -> x >= 0, ">= 0"), bad);
            assertTrue(e.getMessage().contains("--temp"), e.getMessage());
        }
    }

    @Test
    void choicesAreChecked() {
        assertEquals("b", parse("--model", "b").choice("--model", null, List.of("a", "b")));
        assertThrows(UsageException.class, () -> parse("--model", "c").choice("--model", null, List.of("a", "b")));
    }

    @Test
    void positionalCountIsChecked() {
        assertThrows(UsageException.class, () -> parse("a", "b").expectPositionals(1, "one file"));
        assertThrows(UsageException.class, () -> parse().expectPositionals(1, "one file"));
        assertThrows(UsageException.class, () -> parse("a").expectPositionals(0, "none"));
    }
}
