package io.jinfer.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import io.jinfer.api.QuantFormat;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The native (C) matrix-product kernels built from {@code src/main/c} into resources under
 * {@code jinfer-native/linux-x86_64/}: the variant this CPU can run is extracted to a temporary file,
 * loaded once per JVM and bound through the foreign function API. Where none can be loaded (no
 * library built, another platform, a CPU without AVX2, the property {@code jinfer.cpu.native=false})
 * {@link #reason()} says why and the Java kernels are used.
 *
 * <p>The system property {@code jinfer.cpu.native.variant} ({@code avx2}, {@code avx512vnni} or
 * {@code avx512amx}) picks a variant instead of the best one, e.g. to compare them. The AMX variant
 * multiplies Q4_0 and Q8_0 prefills with the tile unit; it is used only where the kernel grants the
 * process the tile registers ({@code arch_prctl(ARCH_REQ_XCOMP_PERM)}, Linux 5.16 and later), and its
 * Q4_0/Q8_0 results differ from the other variants' by float rounding (whole-block integer sums).
 */
final class NativeKernels {
    /** Variants from best to plainest, each with the /proc/cpuinfo flags it needs. */
    private static final List<Variant> VARIANTS = List.of(
            new Variant("avx512amx", Set.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                    "amx_tile", "amx_int8")),
            new Variant("avx512vnni", Set.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni")),
            new Variant("avx2", Set.of("avx2", "fma", "f16c")));

    /**
     * {@code (weights, rowBytes, rowStart, rowEnd, blocks, n, xq, xd, out, outStride)}: products of
     * rows {@code [rowStart, rowEnd)} with {@code n} tokens of quantised activations (token {@code t}
     * at {@code xq[t * 32 * blocks]}, {@code xd[t * blocks]}), written to {@code out[t * outStride + row]}.
     * The functions of formats that {@link #activations take float activations} read them
     * from {@code xq} instead (token {@code t} at float {@code t * 32 * blocks}) and ignore {@code xd};
     * those that take 16-bit ones read {@link Q16Activations#quants()} and {@link Q16Activations#scales()}.
     * Each (row, token) result is bit-identical whatever {@code n} is.
     */
    private static final FunctionDescriptor ROWS = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT);
    /**
     * {@code (weights, rowBytes, rowStart, rowEnd, columns, n, x, factors, rowBlock, columnBlock,
     * gridColumns, out, outStride)}: products of FP8 E4M3 rows scaled by a grid of float factors
     * (element (r, c) by {@code factors[(r / rowBlock) * gridColumns + c / columnBlock]}) with
     * {@code n} tokens of float activations. Needs {@code columns % 16 == 0} and no 16 columns
     * straddling two cells.
     */
    private static final FunctionDescriptor SCALED_ROWS = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    /**
     * {@code (keyPages, valuePages, pageSize, rowElements, half, q, out, n, startPos, heads, group,
     * headDim, scale, itemStart, itemEnd, scores)}: causal attention of {@code n} query rows for items
     * {@code tile * kvHeads + g} (up to {@link #ATTENTION_ROWS} query rows, KV head g with its
     * {@code group} query heads)
     * over a paged F32 ({@code half = 0}) or F16 cache; the page tables are arrays of page addresses.
     */
    private static final FunctionDescriptor ATTENTION = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS);
    /** {@code (x, out, n, dim, weight, eps)}: RMSNorm of n rows (x, out heap arrays; weight F32). */
    private static final FunctionDescriptor RMSNORM = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_FLOAT);
    /** Query rows per attention item; the score buffer holds this many rows of scores. */
    static final int ATTENTION_ROWS = 4;
    /**
     * {@code (a, b, length)} on two float arrays, the first updated in place: SwiGLU ({@code gate, up})
     * as the Java kernels compute it, and the residual add ({@code dst += src}).
     */
    private static final FunctionDescriptor ARRAY_PAIR = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    /** {@code (x, blocks, xq, xd)}: quantises {@code blocks} blocks of 32 floats as {@link Q8Activations} does. */
    private static final FunctionDescriptor QUANTIZE = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    /** {@code (x, superBlocks, xq, xd, bsums)}: quantises super-blocks of 256 floats as {@link Q16Activations} does. */
    private static final FunctionDescriptor QUANTIZE_16 = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    /** The library's row function for each format. */
    private static final Map<QuantFormat, String> SYMBOLS = symbols();

    private static volatile NativeKernels loaded;

    private static Map<QuantFormat, String> symbols() {
        Map<QuantFormat, String> m = new EnumMap<>(QuantFormat.class);
        for (QuantFormat f : List.of(QuantFormat.Q4_0, QuantFormat.Q8_0, QuantFormat.Q2_K, QuantFormat.Q3_K,
                QuantFormat.Q4_K, QuantFormat.Q5_K, QuantFormat.Q6_K,
                QuantFormat.IQ4_NL, QuantFormat.IQ4_XS, QuantFormat.MXFP4, QuantFormat.NVFP4, QuantFormat.F16,
                QuantFormat.BF16)) {
            m.put(f, "jinfer_" + f.name().toLowerCase(Locale.ROOT));
        }
        return Collections.unmodifiableMap(m);
    }

    private final String variant;
    private final String reason;
    /** Row functions by weight format (see {@link #ROWS}); empty when unavailable. */
    private final Map<QuantFormat, MethodHandle> kernels;
    private final MethodHandle quantize;
    private final MethodHandle quantize16;
    private final MethodHandle e4m3;
    private final MethodHandle swiglu;
    private final MethodHandle add;
    private final MethodHandle attention;
    private final MethodHandle rmsNorm;

    private record Variant(String name, Set<String> flags) {}

    private NativeKernels(String variant, String reason, Map<QuantFormat, MethodHandle> kernels,
            MethodHandle quantize, MethodHandle quantize16, MethodHandle e4m3, MethodHandle swiglu,
            MethodHandle add, MethodHandle attention, MethodHandle rmsNorm) {
        this.variant = variant;
        this.reason = reason;
        this.kernels = kernels;
        this.quantize = quantize;
        this.quantize16 = quantize16;
        this.e4m3 = e4m3;
        this.swiglu = swiglu;
        this.add = add;
        this.attention = attention;
        this.rmsNorm = rmsNorm;
    }

    /** @return the kernels to use as the system properties ask: loaded once, or unavailable with a reason */
    static NativeKernels fromSystemProperties() {
        if ("false".equalsIgnoreCase(System.getProperty("jinfer.cpu.native", "true"))) {
            return unavailable("disabled by jinfer.cpu.native=false");
        }
        NativeKernels k = loaded;
        if (k == null) {
            synchronized (NativeKernels.class) {
                k = loaded;
                if (k == null) {
                    k = load(System.getProperty("jinfer.cpu.native.variant"));
                    loaded = k;
                }
            }
        }
        return k;
    }

    static NativeKernels unavailable(String reason) {
        return new NativeKernels(null, reason, Map.of(), null, null, null, null, null, null, null);
    }

    /** @return whether the native functions are bound */
    boolean available() {
        return variant != null;
    }

    /** @return the loaded variant's name, or null */
    String variant() {
        return variant;
    }

    /** @return why no native kernels are loaded, or null when they are */
    String reason() {
        return reason;
    }

    /**
     * @param format a weight format
     * @return the row function for products with weights of that format (see {@link #ROWS}), or null
     *     when there is none (or no native kernels are loaded)
     */
    MethodHandle kernel(QuantFormat format) {
        return kernels.get(format);
    }

    /** What a format's native kernel takes as activations. */
    enum Activations {
        /** 8 bits per block of 32 ({@link Q8Activations}): Q4_0, Q8_0 */
        EIGHT_BIT,
        /** 16 bits per super-block of 256 with sub-block sums ({@link Q16Activations}): Q3_K … Q6_K */
        SIXTEEN_BIT,
        /** the floats themselves: every other format */
        FLOAT
    }

    /**
     * @param format a weight format with a native kernel
     * @return what its kernel takes: 8-bit activations only for Q4_0 and Q8_0 (for the other formats
     *     they moved the golden comparisons out of tolerance), 16-bit ones for the K-quants whose
     *     weights times scales fit 16 bits, floats for the rest
     */
    static Activations activations(QuantFormat format) {
        return switch (format) {
            case Q4_0, Q8_0 -> Activations.EIGHT_BIT;
            case Q3_K, Q4_K, Q5_K, Q6_K -> Activations.SIXTEEN_BIT;
            default -> Activations.FLOAT;
        };
    }

    /**
     * Applies SwiGLU in place, {@code gate[i] = silu(gate[i]) * up[i]}, bit-identical to the Java
     * kernel. The arrays are passed to C without copying (a critical call may read the heap).
     *
     * @param gate the gate values, replaced by the result
     * @param up the up-projection values
     * @param length how many
     */
    void swiglu(float[] gate, float[] up, int length) {
        try {
            swiglu.invokeExact(MemorySegment.ofArray(gate), MemorySegment.ofArray(up), (long) length);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native swiglu failed", t);
        }
    }

    /**
     * Adds {@code src[0, length)} to {@code dst} (the residual connections), passed to C without copying.
     *
     * @param dst updated in place
     * @param src what is added
     * @param length how many
     */
    void add(float[] dst, float[] src, int length) {
        try {
            add.invokeExact(MemorySegment.ofArray(dst), MemorySegment.ofArray(src), (long) length);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native add failed", t);
        }
    }

    /**
     * RMSNorm of {@code n} rows of {@code dim} values, passed to C without copying.
     *
     * @param x the rows
     * @param out receives the normalised rows
     * @param n rows
     * @param dim values per row
     * @param weight the F32 weight, {@code dim} values
     * @param eps added to the mean square
     */
    void rmsNorm(float[] x, float[] out, int n, int dim, MemorySegment weight, float eps) {
        try {
            rmsNorm.invokeExact(MemorySegment.ofArray(x), MemorySegment.ofArray(out), n, dim, weight, eps);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native rmsNorm failed", t);
        }
    }

    /** @return the attention function (see {@link #ATTENTION}; q, out and scores may be heap arrays), or null */
    MethodHandle attention() {
        return attention;
    }

    /** @return the scaled FP8 E4M3 row function (see {@link #SCALED_ROWS}), or null */
    MethodHandle e4m3() {
        return e4m3;
    }

    /**
     * @param columns columns of an E4M3 weight
     * @param columnBlock columns per cell of its scale grid
     * @return whether {@link #e4m3()} can multiply it: whole vectors of 16 columns, none across two cells
     */
    static boolean e4m3Fits(int columns, int columnBlock) {
        return columns % 16 == 0 && (columnBlock % 16 == 0 || columnBlock >= columns);
    }

    /** @return the formats that have native kernels here, in declaration order (empty when unavailable) */
    Set<QuantFormat> formats() {
        return kernels.keySet();
    }

    /** @return the activation quantiser {@code (x, blocks, xq, xd)} (see {@link #QUANTIZE}), or null */
    MethodHandle quantize() {
        return quantize;
    }

    /** @return the 16-bit activation quantiser (see {@link #QUANTIZE_16}), or null */
    MethodHandle quantize16() {
        return quantize16;
    }

    /**
     * Loads a variant, not cached (tests compare variants with this).
     *
     * @param forced the variant to load, or null for the best this CPU runs
     * @return the bound kernels, or unavailable ones with the reason
     */
    static NativeKernels load(String forced) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return unavailable("no native kernels for " + os + "/" + arch);
        }
        Set<String> flags;
        try {
            flags = cpuFlags(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return unavailable("cannot read CPU features from /proc/cpuinfo: " + e);
        }
        String missing = null;
        for (Variant v : VARIANTS) {
            if (forced != null && !forced.equals(v.name())) {
                continue;
            }
            if (!flags.containsAll(v.flags())) {
                if (forced != null) {
                    return unavailable("this CPU cannot run the " + forced + " variant");
                }
                continue;
            }
            String resource = "/jinfer-native/linux-x86_64/libjinfer_cpu_" + v.name() + ".so";
            try (InputStream in = NativeKernels.class.getResourceAsStream(resource)) {
                if (in == null) {
                    // a plainer variant may still have been built (e.g. by an older gcc)
                    missing = missing != null ? missing : "native kernels not built (no " + resource
                            + "; is gcc installed?)";
                    continue;
                }
                NativeKernels bound = bind(v.name(), in);
                if (bound != null) {
                    return bound;
                }
                if (forced != null) {
                    return unavailable("the kernel refused this process the AMX tile registers");
                }
            } catch (IOException | RuntimeException | LinkageError e) {
                return unavailable("cannot load " + resource + ": " + e);
            }
        }
        if (missing != null) {
            return unavailable(missing);
        }
        return unavailable(forced != null ? "unknown variant " + forced : "this CPU lacks AVX2/FMA/F16C");
    }

    /** @return the flags of the first "flags" line of /proc/cpuinfo */
    static Set<String> cpuFlags(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                return Arrays.stream(line.substring(colon + 1).trim().split("\\s+")).collect(Collectors.toSet());
            }
        }
        return Set.of();
    }

    /** @return the bound variant, or null when it is the AMX one and the kernel refuses the tiles */
    private static NativeKernels bind(String name, InputStream library) throws IOException {
        Path file = Files.createTempFile("libjinfer_cpu_" + name, ".so");
        file.toFile().deleteOnExit();
        Files.copy(library, file, StandardCopyOption.REPLACE_EXISTING);
        // global arena: the library stays loaded while the JVM runs (kernels are created often)
        SymbolLookup lib = SymbolLookup.libraryLookup(file, Arena.global());
        Linker linker = Linker.nativeLinker();
        // critical: the calls are short and touch only native memory, so skip the thread-state change
        Linker.Option critical = Linker.Option.critical(false);
        Map<QuantFormat, MethodHandle> kernels = new EnumMap<>(QuantFormat.class);
        for (var e : SYMBOLS.entrySet()) {
            kernels.put(e.getKey(), linker.downcallHandle(lib.findOrThrow(e.getValue()), ROWS, critical));
        }
        MethodHandle quant = linker.downcallHandle(lib.findOrThrow("jinfer_quantize_q8"), QUANTIZE, critical);
        MethodHandle quant16 = linker.downcallHandle(lib.findOrThrow("jinfer_quantize_q16"), QUANTIZE_16, critical);
        MethodHandle e4m3 = linker.downcallHandle(lib.findOrThrow("jinfer_e4m3"), SCALED_ROWS, critical);
        // heap arrays passed straight through: allowed for critical calls that may access the heap
        MethodHandle swiglu = linker.downcallHandle(lib.findOrThrow("jinfer_swiglu"), ARRAY_PAIR,
                Linker.Option.critical(true));
        MethodHandle add = linker.downcallHandle(lib.findOrThrow("jinfer_add"), ARRAY_PAIR,
                Linker.Option.critical(true));
        MethodHandle attention = linker.downcallHandle(lib.findOrThrow("jinfer_attention"), ATTENTION,
                Linker.Option.critical(true));
        MethodHandle rmsNorm = linker.downcallHandle(lib.findOrThrow("jinfer_rmsnorm"), RMSNORM,
                Linker.Option.critical(true));
        MethodHandle variantFn = linker.downcallHandle(lib.findOrThrow("jinfer_variant"),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
        String reported;
        try {
            reported = ((MemorySegment) variantFn.invokeExact()).reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw new IOException("jinfer_variant failed", t);
        }
        if (!reported.equals(name)) {
            throw new IOException("library for " + name + " reports variant " + reported);
        }
        if (name.equals("avx512amx")) {
            MethodHandle ready = linker.downcallHandle(lib.findOrThrow("jinfer_amx_ready"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            try {
                if ((int) ready.invokeExact() == 0) {
                    // an older kernel, or one that refuses the extra signal-frame state: the next variant
                    return null;
                }
            } catch (Throwable t) {
                throw new IOException("jinfer_amx_ready failed", t);
            }
        }
        return new NativeKernels(name, null, Collections.unmodifiableMap(kernels), quant, quant16, e4m3, swiglu, add,
                attention, rmsNorm);
    }
}
