package io.jinfer.loader.quant;

import java.util.Objects;

/**
 * How {@link ModelOptExporter} writes a checkpoint.
 *
 * @param algorithm FP8 or NVFP4
 * @param granularity FP8 weight scales per tensor (ModelOpt's default) or per output channel;
 *     NVFP4 ignores it (its scales are per 16 values)
 * @param shardBytes largest size of one safetensors file before the checkpoint is sharded with an index
 * @param listener told about progress, on the calling thread
 */
public record ModelOptOptions(Algorithm algorithm, Granularity granularity, long shardBytes,
        ModelQuantizerListener listener) {

    /** Hugging Face's usual shard limit. */
    public static final long DEFAULT_SHARD_BYTES = 4L << 30;

    /** ModelOpt's {@code quant_algo} values written here. */
    public enum Algorithm {
        /** E4M3 weights, F32 {@code weight_scale}. */
        FP8,
        /** E2M1 weights packed two a byte, E4M3 {@code weight_scale} per 16 values, F32 {@code weight_scale_2}. */
        NVFP4
    }

    /** What one FP8 weight scale covers. */
    public enum Granularity {
        /** One scale for the whole matrix. */
        TENSOR,
        /** One scale per output channel (row). */
        CHANNEL
    }

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException when the shard size is not positive
     */
    public ModelOptOptions {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(listener, "listener");
        if (shardBytes < 1) {
            throw new IllegalArgumentException("shardBytes must be positive, got " + shardBytes);
        }
    }

    /**
     * Returns options with per-tensor FP8 scales, 4 GiB shards and no listener.
     *
     * @param algorithm FP8 or NVFP4
     * @return the options
     */
    public static ModelOptOptions of(Algorithm algorithm) {
        return new ModelOptOptions(algorithm, Granularity.TENSOR, DEFAULT_SHARD_BYTES, ModelQuantizerListener.NONE);
    }

    /**
     * Returns these options with another FP8 granularity.
     *
     * @param g the granularity
     * @return the new options
     */
    public ModelOptOptions withGranularity(Granularity g) {
        return new ModelOptOptions(algorithm, g, shardBytes, listener);
    }

    /**
     * Returns these options with another shard size.
     *
     * @param bytes the largest file size
     * @return the new options
     */
    public ModelOptOptions withShardBytes(long bytes) {
        return new ModelOptOptions(algorithm, granularity, bytes, listener);
    }

    /**
     * Returns these options with another listener.
     *
     * @param l the listener
     * @return the new options
     */
    public ModelOptOptions withListener(ModelQuantizerListener l) {
        return new ModelOptOptions(algorithm, granularity, shardBytes, l);
    }
}
