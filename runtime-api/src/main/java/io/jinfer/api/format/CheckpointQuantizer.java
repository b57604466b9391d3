package io.jinfer.api.format;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.MemorySegment;

/**
 * Quantises float matrices to the scaled checkpoint formats, computing what the common producers
 * store:
 * <ul>
 *   <li>FP8 (E4M3 or E5M2) with F32 scales over any grid: per tensor and per output channel as
 *   NVIDIA ModelOpt and compressed-tensors store them, 128x128 blocks as DeepSeek-V3 and Qwen3-FP8
 *   do. Each cell's scale is {@code amax / max} ({@code max} = 448 or 57344, an all-zero cell gets
 *   scale 1) and each value becomes {@code x / scale} encoded with saturation.</li>
 *   <li>NVFP4 as ModelOpt's {@code NVFP4QTensor} computes it: global scale
 *   {@code weight_scale_2 = amax / (6 * 448)} over the whole tensor; per 16 values of a row an E4M3
 *   scale {@code blockAmax / (6 * weight_scale_2)} (0 replaced by 1) rounded to E4M3; each value
 *   {@code x / (e4m3(scale) * weight_scale_2)} rounded to E2M1.</li>
 *   <li>MXFP4 as the OCP MX specification defines it: per 32 values an E8M0 scale
 *   {@code 2^(floor(log2(amax)) - 2)} ({@link E8m0#sharedScale}), each value {@code x / scale}
 *   rounded to E2M1.</li>
 * </ul>
 * Column counts need not be multiples of the block width: the last block of a row is narrower (its
 * amax is over the values it has). The input is row major, {@code rows * columns} floats.
 *
 * <p>Why here rather than beside the GGUF quantisers in quant-loader: these are the numerics of the
 * formats themselves (they only combine the encoders of this package), the CPU and CUDA kernel tests
 * need them to build inputs, and runtime-api is the module every one of those depends on.
 */
public final class CheckpointQuantizer {
    /** Values per NVFP4 scale. */
    public static final int NVFP4_BLOCK = 16;
    /** Values per MXFP4 scale. */
    public static final int MXFP4_BLOCK = 32;
    /** Side of the square FP8 blocks of DeepSeek-V3-style checkpoints. */
    public static final int FP8_BLOCK = 128;

    private CheckpointQuantizer() {}

    /**
     * FP8 with one F32 scale per {@code rowBlock x columnBlock} cell.
     *
     * @param format F8_E4M3 or F8_E5M2
     * @param values the matrix, row major
     * @param rows rows
     * @param columns columns
     * @param rowBlock rows per scale
     * @param columnBlock columns per scale
     * @return codes and scales
     */
    public static ScaledTensor fp8(QuantFormat format, float[] values, int rows, int columns, int rowBlock,
            int columnBlock) {
        float max = switch (format) {
            case F8_E4M3 -> Fp8.E4M3_MAX;
            case F8_E5M2 -> Fp8.E5M2_MAX;
            default -> throw new IllegalArgumentException(format + " is not an FP8 format");
        };
        checkShape(values, rows, columns);
        int gridRows = ceilDiv(rows, rowBlock);
        int gridCols = ceilDiv(columns, columnBlock);
        float[] scales = new float[gridRows * gridCols];
        for (int gr = 0; gr < gridRows; gr++) {
            for (int gc = 0; gc < gridCols; gc++) {
                float amax = amax(values, columns, gr * rowBlock, Math.min(rows, (gr + 1) * rowBlock),
                        gc * columnBlock, Math.min(columns, (gc + 1) * columnBlock));
                scales[gr * gridCols + gc] = amax == 0f ? 1f : amax / max;
            }
        }
        byte[] codes = new byte[Math.multiplyExact(rows, columns)];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                float scaled = values[r * columns + c] / scales[(r / rowBlock) * gridCols + c / columnBlock];
                codes[r * columns + c] = (byte) (format == QuantFormat.F8_E4M3 ? Fp8.floatToE4m3(scaled, true)
                        : Fp8.floatToE5m2(scaled, true));
            }
        }
        MemorySegment scaleData = MemorySegment.ofArray(new byte[4 * scales.length]);
        for (int i = 0; i < scales.length; i++) {
            scaleData.setAtIndex(LittleEndian.FLOAT, i, scales[i]);
        }
        return new ScaledTensor(format, rows, columns, MemorySegment.ofArray(codes),
                new WeightScales(QuantFormat.F32, scaleData, rowBlock, columnBlock, 1f));
    }

    /**
     * FP8 with one scale for the whole tensor.
     *
     * @param format F8_E4M3 or F8_E5M2
     * @param values the matrix, row major
     * @param rows rows
     * @param columns columns
     * @return codes and scales
     */
    public static ScaledTensor fp8PerTensor(QuantFormat format, float[] values, int rows, int columns) {
        return fp8(format, values, rows, columns, Math.max(rows, 1), Math.max(columns, 1));
    }

    /**
     * FP8 with one scale per output channel (row).
     *
     * @param format F8_E4M3 or F8_E5M2
     * @param values the matrix, row major
     * @param rows rows
     * @param columns columns
     * @return codes and scales
     */
    public static ScaledTensor fp8PerChannel(QuantFormat format, float[] values, int rows, int columns) {
        return fp8(format, values, rows, columns, 1, Math.max(columns, 1));
    }

    /**
     * FP8 with one scale per 128x128 block (edge blocks smaller).
     *
     * @param format F8_E4M3 or F8_E5M2
     * @param values the matrix, row major
     * @param rows rows
     * @param columns columns
     * @return codes and scales
     */
    public static ScaledTensor fp8Blocks(QuantFormat format, float[] values, int rows, int columns) {
        return fp8(format, values, rows, columns, FP8_BLOCK, FP8_BLOCK);
    }

    /**
     * NVFP4's global scale for a tensor, ModelOpt's {@code weight_scale_2}.
     *
     * @param amax the largest magnitude in the tensor
     * @return {@code amax / 2688}, or 1 for an all-zero tensor (where ModelOpt would divide 0 by 0)
     */
    public static float nvfp4GlobalScale(float amax) {
        return amax == 0f ? 1f : amax / (E2m1.MAX * Fp8.E4M3_MAX);
    }

    /**
     * NVFP4's E4M3 scale for one block of 16, relative to the global scale, as ModelOpt rounds it.
     *
     * @param blockAmax the largest magnitude in the block
     * @param globalScale {@link #nvfp4GlobalScale}
     * @return the E4M3 code of {@code blockAmax / (6 * globalScale)}, with 0 replaced by 1
     */
    public static int nvfp4BlockScale(float blockAmax, float globalScale) {
        float scale = blockAmax / (E2m1.MAX * globalScale);
        if (scale == 0f) {
            scale = 1f;
        }
        return Fp8.floatToE4m3(scale, true);
    }

    /**
     * NVFP4 checkpoint layout: E2M1 codes, one E4M3 scale per 16 values of a row, an F32 global scale.
     *
     * @param values the matrix, row major
     * @param rows rows
     * @param columns columns, even
     * @return codes and scales
     */
    public static ScaledTensor nvfp4(float[] values, int rows, int columns) {
        checkShape(values, rows, columns);
        float global = nvfp4GlobalScale(amax(values, columns, 0, rows, 0, columns));
        int gridCols = ceilDiv(columns, NVFP4_BLOCK);
        byte[] scales = new byte[rows * gridCols];
        float[] factors = new float[gridCols];
        byte[] codes = new byte[Math.toIntExact(QuantFormat.E2M1.rowBytes(columns) * rows)];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < gridCols; g++) {
                float blockAmax = amax(values, columns, r, r + 1, g * NVFP4_BLOCK,
                        Math.min(columns, (g + 1) * NVFP4_BLOCK));
                int code = nvfp4BlockScale(blockAmax, global);
                scales[r * gridCols + g] = (byte) code;
                factors[g] = Fp8.e4m3ToFloat(code) * global;
            }
            packE2m1Row(values, r, columns, factors, NVFP4_BLOCK, codes);
        }
        return new ScaledTensor(QuantFormat.E2M1, rows, columns, MemorySegment.ofArray(codes),
                new WeightScales(QuantFormat.F8_E4M3, MemorySegment.ofArray(scales), 1, NVFP4_BLOCK, global));
    }

    /**
     * MXFP4 checkpoint layout: E2M1 codes and one E8M0 scale per 32 values of a row.
     *
     * @param values the matrix, row major
     * @param rows rows
     * @param columns columns, even
     * @return codes and scales
     */
    public static ScaledTensor mxfp4(float[] values, int rows, int columns) {
        checkShape(values, rows, columns);
        int gridCols = ceilDiv(columns, MXFP4_BLOCK);
        byte[] scales = new byte[rows * gridCols];
        float[] factors = new float[gridCols];
        byte[] codes = new byte[Math.toIntExact(QuantFormat.E2M1.rowBytes(columns) * rows)];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < gridCols; g++) {
                float blockAmax = amax(values, columns, r, r + 1, g * MXFP4_BLOCK,
                        Math.min(columns, (g + 1) * MXFP4_BLOCK));
                int code = E8m0.sharedScale(blockAmax, 2);
                scales[r * gridCols + g] = (byte) code;
                factors[g] = E8m0.toFloat(code);
            }
            packE2m1Row(values, r, columns, factors, MXFP4_BLOCK, codes);
        }
        return new ScaledTensor(QuantFormat.E2M1, rows, columns, MemorySegment.ofArray(codes),
                new WeightScales(QuantFormat.E8M0, MemorySegment.ofArray(scales), 1, MXFP4_BLOCK, 1f));
    }

    /** Encodes row r as E2M1, dividing each value by its block's factor; element 2i goes low. */
    private static void packE2m1Row(float[] values, int r, int columns, float[] factors, int block, byte[] codes) {
        int base = r * (columns / 2);
        for (int c = 0; c < columns; c += 2) {
            int lo = E2m1.fromFloat(values[r * columns + c] / factors[c / block]);
            int hi = E2m1.fromFloat(values[r * columns + c + 1] / factors[(c + 1) / block]);
            codes[base + c / 2] = (byte) (lo | hi << 4);
        }
    }

    private static float amax(float[] v, int columns, int r0, int r1, int c0, int c1) {
        float amax = 0f;
        for (int r = r0; r < r1; r++) {
            for (int c = c0; c < c1; c++) {
                float a = Math.abs(v[r * columns + c]);
                // NaN propagates, so a NaN anywhere shows in the scale instead of vanishing
                if (!(a <= amax)) {
                    amax = a;
                }
            }
        }
        return amax;
    }

    private static void checkShape(float[] values, int rows, int columns) {
        if (rows < 1 || columns < 1 || (long) rows * columns != values.length) {
            throw new IllegalArgumentException("a " + rows + "x" + columns + " matrix needs " + (long) rows * columns
                    + " values, got " + values.length);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
