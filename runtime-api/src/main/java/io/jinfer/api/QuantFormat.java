package io.jinfer.api;

import java.util.Optional;

/**
 * Element formats of weight tensors, numbered as ggml numbers them in GGUF files.
 *
 * <p>A format stores {@link #blockSize()} values in {@link #bytesPerBlock()} bytes. Formats that
 * jinfer cannot compute with yet are listed so that a file using them gets an error that names the
 * format; {@link #isSupported()} tells which.
 */
public enum QuantFormat {
    /** IEEE 754 binary32. */
    F32(0, 1, 4, true),
    /** IEEE 754 binary16. */
    F16(1, 1, 2, true),
    /** 32 4-bit values, one F16 scale: {@code v = d * (q - 8)}. */
    Q4_0(2, 32, 18, true),
    /** 32 4-bit values, F16 scale and minimum: {@code v = d * q + m}. */
    Q4_1(3, 32, 20, true),
    /** 32 5-bit values (fifth bit packed apart), one F16 scale: {@code v = d * (q - 16)}. */
    Q5_0(6, 32, 22, true),
    /** 32 5-bit values, F16 scale and minimum: {@code v = d * q + m}. */
    Q5_1(7, 32, 24, true),
    /** 32 signed 8-bit values, one F16 scale. */
    Q8_0(8, 32, 34, true),
    /** 32 signed 8-bit values, F16 scale and F16 sum (activations only in ggml). */
    Q8_1(9, 32, 36, false),
    /** K-quant, 2 bits in super-blocks of 256. */
    Q2_K(10, 256, 84, true),
    /** K-quant, 3 bits in super-blocks of 256. */
    Q3_K(11, 256, 110, true),
    /** K-quant, 4 bits in super-blocks of 256. */
    Q4_K(12, 256, 144, true),
    /** K-quant, 5 bits in super-blocks of 256. */
    Q5_K(13, 256, 176, true),
    /** K-quant, 6 bits in super-blocks of 256. */
    Q6_K(14, 256, 210, true),
    /** K-quant, 8 bits in super-blocks of 256 (F32 scale, block sums); activations only in ggml. */
    Q8_K(15, 256, 292, true),
    /** I-quant, 2.06 bits. */
    IQ2_XXS(16, 256, 66, false),
    /** I-quant, 2.31 bits. */
    IQ2_XS(17, 256, 74, false),
    /** I-quant, 3.06 bits. */
    IQ3_XXS(18, 256, 98, false),
    /** I-quant, 1.56 bits. */
    IQ1_S(19, 256, 50, false),
    /** 32 4-bit indices into a non-linear table, one F16 scale. */
    IQ4_NL(20, 32, 18, true),
    /** I-quant, 3.44 bits. */
    IQ3_S(21, 256, 110, false),
    /** I-quant, 2.5 bits. */
    IQ2_S(22, 256, 82, false),
    /** 4-bit non-linear values in super-blocks of 256 with 6-bit sub-block scales. */
    IQ4_XS(23, 256, 136, true),
    /** Signed 8-bit integer. */
    I8(24, 1, 1, false),
    /** Signed 16-bit integer. */
    I16(25, 1, 2, false),
    /** Signed 32-bit integer. */
    I32(26, 1, 4, false),
    /** Signed 64-bit integer. */
    I64(27, 1, 8, false),
    /** IEEE 754 binary64. */
    F64(28, 1, 8, false),
    /** I-quant, 1.75 bits. */
    IQ1_M(29, 256, 56, false),
    /** bfloat16: the upper half of a binary32. */
    BF16(30, 1, 2, true),
    /** Ternary quant, 1.69 bits. */
    TQ1_0(34, 256, 54, false),
    /** Ternary quant, 2.06 bits. */
    TQ2_0(35, 256, 66, false),
    /** OCP microscaling FP4: 32 E2M1 values with one E8M0 (power of two) scale. */
    MXFP4(39, 32, 17, true),
    /** NVIDIA FP4: 64 E2M1 values per block, one unsigned E4M3 scale per 16 of them. */
    NVFP4(40, 64, 36, true),
    /**
     * FP8 E4M3FN as {@code cuda_fp8.h} defines it (bias 7, no infinities, S.1111.111 is NaN, largest
     * finite 448), one byte per value; not a GGUF type. Scaled through {@link io.jinfer.api.spi.WeightScales}.
     */
    F8_E4M3(-1, 1, 1, true),
    /** FP8 E5M2 (bias 15, IEEE-like infinities and NaNs, largest finite 57344); not a GGUF type. */
    F8_E5M2(-1, 1, 1, true),
    /**
     * Bare FP4 E2M1 codes, two per byte (element 2i in the low nibble), as safetensors checkpoints store
     * NVFP4 and MXFP4 weights; the block scales travel separately in {@link io.jinfer.api.spi.WeightScales}.
     */
    E2M1(-1, 2, 1, true),
    /**
     * Unsigned power-of-two scale byte of the OCP microscaling formats: 2^(e-127), 0xFF is NaN. Only a
     * scale format ({@link io.jinfer.api.spi.WeightScales}), never the format of a weight.
     */
    E8M0(-1, 1, 1, false);

    /** {@link #ggmlType()} of formats that GGUF cannot hold. */
    public static final int NOT_GGUF = -1;

    private final int ggmlType;
    private final int blockSize;
    private final int bytesPerBlock;
    private final boolean supported;

    QuantFormat(int ggmlType, int blockSize, int bytesPerBlock, boolean supported) {
        this.ggmlType = ggmlType;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.supported = supported;
    }

    /**
     * Tells whether GGUF files can hold this format (false for checkpoint-only formats such as FP8).
     *
     * @return true when {@link #ggmlType()} is a real ggml type number
     */
    public boolean isGguf() {
        return ggmlType != NOT_GGUF;
    }

    /**
     * Returns the number GGUF files and ggml use for this format.
     *
     * @return the {@code ggml_type} number used in GGUF tensor infos, {@link #NOT_GGUF} for others
     */
    public int ggmlType() {
        return ggmlType;
    }

    /**
     * Returns how many values one block of this format holds (1 for plain float formats).
     *
     * @return values per block
     */
    public int blockSize() {
        return blockSize;
    }

    /**
     * Returns the storage size of one block of this format.
     *
     * @return bytes per block
     */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /**
     * Tells whether jinfer can load and compute with this format; the others are known only so files
     * using them can be read and reported clearly.
     *
     * @return whether jinfer can load and compute with tensors of this format
     */
    public boolean isSupported() {
        return supported;
    }

    /**
     * Bytes taken by a row of {@code count} values.
     *
     * @param count number of values, a multiple of {@link #blockSize()}
     * @return the row size in bytes
     * @throws IllegalArgumentException when {@code count} is not a whole number of blocks
     */
    public long rowBytes(long count) {
        if (count % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + " stores values in blocks of " + blockSize + "; " + count + " is not a multiple");
        }
        return Math.multiplyExact(count / blockSize, (long) bytesPerBlock);
    }

    /**
     * Looks a format up by its ggml type number.
     *
     * @param ggmlType the number found in a file
     * @return the format, or empty when the number is unknown
     */
    public static Optional<QuantFormat> fromGgmlType(long ggmlType) {
        for (QuantFormat f : values()) {
            if (f.isGguf() && f.ggmlType == ggmlType) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
