package io.jinfer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

/**
 * The parsed arguments of one command: option values, flags and positional arguments. Typed getters
 * check each value and throw a {@link UsageException} that names the option and the rule.
 */
public final class Args {
    /** Accepted by every command. */
    public static final Option HELP = Option.flag("--help", "show this help");
    /** Accepted by every command. */
    public static final Option VERBOSE = Option.flag("--verbose", "show stack traces of errors");

    private final Map<String, String> values;
    private final List<String> positionals;

    private Args(Map<String, String> values, List<String> positionals) {
        this.values = values;
        this.positionals = positionals;
    }

    /**
     * Parses arguments against the options a command accepts. An option's value is the next argument
     * whatever it looks like (so {@code --seed -1} works), or follows {@code =} ({@code --seed=-1}).
     *
     * @param args the arguments after the command name
     * @param options the options the command accepts ({@link #HELP} and {@link #VERBOSE} are implied)
     * @return the parsed arguments
     * @throws UsageException for an unknown option, a missing value or an option given twice
     */
    public static Args parse(List<String> args, List<Option> options) {
        Map<String, Option> known = new LinkedHashMap<>();
        known.put(HELP.name(), HELP);
        known.put("-h", HELP);
        known.put(VERBOSE.name(), VERBOSE);
        for (Option o : options) {
            known.put(o.name(), o);
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.length() < 2 || !a.startsWith("-") || isNegativeNumber(a)) {
                positionals.add(a);
                continue;
            }
            String name = a;
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                inline = a.substring(eq + 1);
            }
            Option o = known.get(name);
            if (o == null) {
                throw new UsageException("unknown option " + name);
            }
            String value;
            if (o.takesValue()) {
                if (inline != null) {
                    value = inline;
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException(o.name() + " needs a value (" + o.valueName() + ")");
                }
            } else {
                if (inline != null) {
                    throw new UsageException(o.name() + " takes no value, got '" + inline + "'");
                }
                value = "";
            }
            if (values.putIfAbsent(o.name(), value) != null && o.takesValue()) {
                throw new UsageException(o.name() + " is given more than once");
            }
        }
        return new Args(Collections.unmodifiableMap(values), List.copyOf(positionals));
    }

    private static boolean isNegativeNumber(String a) {
        return a.length() > 1 && a.charAt(0) == '-' && (Character.isDigit(a.charAt(1)) || a.charAt(1) == '.');
    }

    /**
     * Returns the arguments that are neither options nor option values, e.g. a file to read.
     *
     * @return the positional arguments in order
     */
    public List<String> positionals() {
        return positionals;
    }

    /**
     * Tells whether an option or flag appeared on the command line.
     *
     * @param name an option name
     * @return whether it was given
     */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * Returns an option's value as typed, without checking it.
     *
     * @param name an option name
     * @return its value, or {@code null} when absent
     */
    public String string(String name) {
        return values.get(name);
    }

    /**
     * Returns an option's value as a file path; the path is not checked for existence.
     *
     * @param name an option name
     * @return its value as a path, or {@code null} when absent
     * @throws UsageException when the value is empty
     */
    public Path path(String name) {
        String v = values.get(name);
        if (v == null) {
            return null;
        }
        if (v.isEmpty()) {
            throw new UsageException(name + ": expected a file name, got an empty value");
        }
        return Path.of(v);
    }

    /**
     * Returns an option's value as an {@code int} within a range, e.g. a thread count.
     *
     * @param name an option name
     * @param fallback the value when absent
     * @param min smallest allowed value
     * @param max largest allowed value
     * @return the integer value
     * @throws UsageException when it is not an integer in [min, max]
     */
    public int intValue(String name, int fallback, int min, int max) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        String rule = max == Integer.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]";
        try {
            int x = Integer.parseInt(v.trim());
            if (x < min || x > max) {
                throw new UsageException(name + ": expected an integer " + rule + ", got " + x);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected an integer " + rule + ", got '" + v + "'");
        }
    }

    /**
     * Returns an option's value as a {@code long}, e.g. a seed.
     *
     * @param name an option name
     * @param fallback the value when absent
     * @return the 64-bit integer value
     * @throws UsageException when it is not an integer
     */
    public long longValue(String name, long fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected an integer, got '" + v + "'");
        }
    }

    /**
     * Returns an option's value as a finite {@code float} that satisfies a rule, e.g. a temperature.
     *
     * @param name an option name
     * @param fallback the value when absent
     * @param ok what a valid value satisfies
     * @param rule the rule in words, e.g. {@code "in (0, 1]"}
     * @return the value
     * @throws UsageException when it is not a finite number that satisfies {@code ok}
     */
    public float floatValue(String name, float fallback, DoublePredicate ok, String rule) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        float x;
        try {
            x = Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected a number " + rule + ", got '" + v + "'");
        }
        if (!Float.isFinite(x) || !ok.test(x)) {
            throw new UsageException(name + ": expected a number " + rule + ", got " + v);
        }
        return x;
    }

    /**
     * Returns an option's value, which must be one of a fixed set of words.
     *
     * @param name an option name
     * @param fallback the value when absent
     * @param choices the allowed values
     * @return the value, one of {@code choices}
     * @throws UsageException when it is not one of them
     */
    public String choice(String name, String fallback, List<String> choices) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        if (!choices.contains(v)) {
            throw new UsageException(name + ": expected one of " + String.join(", ", choices) + ", got '" + v + "'");
        }
        return v;
    }

    /**
     * Checks how many positional arguments were given.
     *
     * @param count how many positional arguments the command takes
     * @param what what they are, for the message
     * @throws UsageException when there is a different number of them
     */
    public void expectPositionals(int count, String what) {
        if (positionals.size() != count) {
            if (count == 0) {
                throw new UsageException("unexpected argument '" + positionals.get(0) + "'");
            }
            throw new UsageException("expected " + what + ", got "
                    + (positionals.isEmpty() ? "nothing" : String.join(" ", positionals)));
        }
    }
}
