package io.jinfer.api.spi;

import io.jinfer.api.QuantFormat;
import java.lang.foreign.MemorySegment;

/**
 * Scale factors that travel beside a tensor whose codes do not carry their own scales, as
 * safetensors checkpoints store FP8, NVFP4 and MXFP4 weights.
 *
 * <p>The scales form a grid over the weight matrix: each scale covers {@code rowBlock} consecutive
 * rows (output channels) and {@code columnBlock} consecutive columns (input features), stored row
 * major, so the scale of element (r, c) is at index
 * {@code (r / rowBlock) * ceil(columns / columnBlock) + c / columnBlock}. The value of an element is
 * {@code decode(code) * decode(scale) * globalScale}. This one shape covers every granularity that
 * checkpoints use:
 * <ul>
 *   <li>per tensor: {@code rowBlock = rows, columnBlock = columns} (one scale);</li>
 *   <li>per output channel: {@code rowBlock = 1, columnBlock = columns};</li>
 *   <li>2-D blocks as DeepSeek-V3 and Qwen3-FP8 store them: {@code 128 x 128};</li>
 *   <li>NVFP4: {@code 1 x 16} E4M3 scales and an FP32 {@code globalScale};</li>
 *   <li>MXFP4: {@code 1 x 32} E8M0 scales.</li>
 * </ul>
 *
 * @param format format of each scale: F32, F16, BF16, F8_E4M3 or E8M0
 * @param data the scales, row major over the grid, {@code gridRows * gridColumns} elements
 * @param rowBlock how many rows one scale covers (at least 1)
 * @param columnBlock how many columns one scale covers (at least 1)
 * @param globalScale factor applied to every element on top of the grid (1 when the checkpoint has none)
 */
public record WeightScales(QuantFormat format, MemorySegment data, int rowBlock, int columnBlock, float globalScale) {

    /**
     * Validates the grid parameters; the data size is checked against a tensor by {@link #validate}.
     */
    public WeightScales {
        switch (format) {
            case F32, F16, BF16, F8_E4M3, E8M0 -> { }
            default -> throw new IllegalArgumentException("scales cannot be stored as " + format);
        }
        if (rowBlock < 1 || columnBlock < 1) {
            throw new IllegalArgumentException("scale blocks must be at least 1x1, got " + rowBlock + "x" + columnBlock);
        }
        if (!Float.isFinite(globalScale)) {
            throw new IllegalArgumentException("global scale must be finite, got " + globalScale);
        }
    }

    /**
     * Returns the number of scale rows for a matrix with {@code rows} rows.
     *
     * @param rows rows (output channels) of the scaled matrix
     * @return {@code ceil(rows / rowBlock)}
     */
    public long gridRows(long rows) {
        return (rows + rowBlock - 1) / rowBlock;
    }

    /**
     * Returns the number of scale columns for a matrix with {@code columns} columns.
     *
     * @param columns columns (input features) of the scaled matrix
     * @return {@code ceil(columns / columnBlock)}
     */
    public long gridColumns(long columns) {
        return (columns + columnBlock - 1) / columnBlock;
    }

    /**
     * Checks that {@link #data()} holds exactly one scale per grid cell of a matrix.
     *
     * @param tensor name used in the message
     * @param columns columns of the scaled matrix
     * @param rows rows of the scaled matrix
     * @throws IllegalArgumentException naming the tensor and both sizes when they differ
     */
    public void validate(String tensor, long columns, long rows) {
        long expected = Math.multiplyExact(gridRows(rows) * gridColumns(columns), (long) format.bytesPerBlock());
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("scales of " + tensor + " (" + rowBlock + "x" + columnBlock + " " + format
                    + ") need " + expected + " bytes for " + rows + "x" + columns + ", got " + data.byteSize());
        }
    }
}
