package io.jinfer.api.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads the little-endian fields that ggml blocks are made of. */
final class BlockBytes {
    private BlockBytes() {}

    /** @return the unsigned byte at {@code at} */
    static int u8(MemorySegment src, long at) {
        return src.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    /** @return the signed byte at {@code at} */
    static int i8(MemorySegment src, long at) {
        return src.get(ValueLayout.JAVA_BYTE, at);
    }

    /** @return the unsigned 16-bit integer at {@code at} */
    static int u16(MemorySegment src, long at) {
        return src.get(LittleEndian.SHORT, at) & 0xFFFF;
    }

    /** @return the 32-bit integer at {@code at} */
    static int i32(MemorySegment src, long at) {
        return src.get(LittleEndian.INT, at);
    }

    /** @return the IEEE binary16 at {@code at} as a float (exact) */
    static float f16(MemorySegment src, long at) {
        return Float.float16ToFloat(src.get(LittleEndian.SHORT, at));
    }

    /** @return the IEEE binary32 at {@code at} */
    static float f32(MemorySegment src, long at) {
        return src.get(LittleEndian.FLOAT, at);
    }
}
