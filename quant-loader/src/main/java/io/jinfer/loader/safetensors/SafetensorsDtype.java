package io.jinfer.loader.safetensors;

import io.jinfer.api.QuantFormat;
import java.util.Optional;

/**
 * Element types a safetensors header names in {@code dtype}, with their sizes. The sub-byte types
 * ({@code F4}, {@code F6_*}) are listed so that a file using them gets an error naming the type.
 */
public enum SafetensorsDtype {
    /** Boolean, one byte. */
    BOOL(1, null),
    /** Unsigned 8-bit integer (packed FP4 codes and E8M0 scales are stored as U8). */
    U8(1, null),
    /** Signed 8-bit integer. */
    I8(1, QuantFormat.I8),
    /** FP8 E4M3FN. */
    F8_E4M3(1, QuantFormat.F8_E4M3),
    /** FP8 E5M2. */
    F8_E5M2(1, QuantFormat.F8_E5M2),
    /** FP8 E8M0, a power-of-two scale byte. */
    F8_E8M0(1, QuantFormat.E8M0),
    /** Signed 16-bit integer. */
    I16(2, QuantFormat.I16),
    /** Unsigned 16-bit integer. */
    U16(2, null),
    /** IEEE binary16. */
    F16(2, QuantFormat.F16),
    /** bfloat16. */
    BF16(2, QuantFormat.BF16),
    /** Signed 32-bit integer. */
    I32(4, QuantFormat.I32),
    /** Unsigned 32-bit integer. */
    U32(4, null),
    /** IEEE binary32. */
    F32(4, QuantFormat.F32),
    /** IEEE binary64. */
    F64(8, QuantFormat.F64),
    /** Signed 64-bit integer. */
    I64(8, QuantFormat.I64),
    /** Unsigned 64-bit integer. */
    U64(8, null),
    /** FP4 E2M1, half a byte; not supported (checkpoints store FP4 packed in U8 instead). */
    F4(0, null),
    /** FP6 E2M3, sub-byte; not supported. */
    F6_E2M3(0, null),
    /** FP6 E3M2, sub-byte; not supported. */
    F6_E3M2(0, null);

    private final int bytes;
    private final QuantFormat format;

    SafetensorsDtype(int bytes, QuantFormat format) {
        this.bytes = bytes;
        this.format = format;
    }

    /**
     * Returns the size of one element.
     *
     * @return bytes per element, 0 for the sub-byte types jinfer does not read
     */
    public int bytes() {
        return bytes;
    }

    /**
     * Tells whether jinfer can read tensors of this type (every whole-byte type).
     *
     * @return whether the type has a whole number of bytes per element
     */
    public boolean isReadable() {
        return bytes > 0;
    }

    /**
     * Returns the jinfer format that stores this type as it is, for zero-copy views.
     *
     * @return the matching format, or empty when the bytes need an interpretation (U8) or have no format
     */
    public Optional<QuantFormat> format() {
        return Optional.ofNullable(format);
    }

    /**
     * Looks a type up by the name a header uses.
     *
     * @param name a {@code dtype} value such as "BF16"
     * @return the type, or empty when the name is unknown
     */
    public static Optional<SafetensorsDtype> byName(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
