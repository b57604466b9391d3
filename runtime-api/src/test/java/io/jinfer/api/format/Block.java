package io.jinfer.api.format;

import io.jinfer.api.QuantFormat;
import java.lang.foreign.MemorySegment;

/** A block's bytes built field by field in a test, little-endian like GGUF. */
final class Block {
    final byte[] bytes;

    Block(int size) {
        bytes = new byte[size];
    }

    Block(QuantFormat format) {
        this(format.bytesPerBlock());
    }

    Block u8(int at, int value) {
        bytes[at] = (byte) value;
        return this;
    }

    Block or(int at, int bits) {
        bytes[at] |= (byte) bits;
        return this;
    }

    Block u16(int at, int value) {
        bytes[at] = (byte) value;
        bytes[at + 1] = (byte) (value >>> 8);
        return this;
    }

    Block u32(int at, int value) {
        u16(at, value & 0xFFFF);
        return u16(at + 2, value >>> 16);
    }

    /** Writes a binary16; the value must be exactly representable. */
    Block f16(int at, float value) {
        short h = Float.floatToFloat16(value);
        if (Float.float16ToFloat(h) != value) {
            throw new IllegalArgumentException(value + " is not a binary16 value");
        }
        return u16(at, h);
    }

    Block f32(int at, float value) {
        return u32(at, Float.floatToRawIntBits(value));
    }

    MemorySegment segment() {
        return MemorySegment.ofArray(bytes);
    }

    /** Decodes this one block with the reference. */
    float[] decode(QuantFormat format) {
        float[] out = new float[format.blockSize()];
        ReferenceDequantizer.dequantizeBlock(format, segment(), 0, out, 0);
        return out;
    }
}
