package io.jinfer.api.format;

import static io.jinfer.api.format.BlockBytes.u8;

import java.lang.foreign.MemorySegment;

/**
 * 4-bit floating-point formats: E2M1 elements sharing a scale. Values are computed as ggml does,
 * {@code (2 * E2M1) * (scale / 2)} (see {@link MiniFloats}), which equals {@code E2M1 * scale}
 * wherever the latter is a finite float.
 */
final class Fp4 {
    private Fp4() {}

    /**
     * MXFP4 (OCP microscaling), 17 bytes: one E8M0 scale byte e, 16 bytes of E2M1 codes (byte j:
     * value j in the low nibble, value j + 16 in the high nibble). {@code v = E2M1(q) * 2^(e - 127)}.
     */
    static void mxfp4(MemorySegment src, long at, float[] dst, int out) {
        float halfScale = MiniFloats.e8m0Half(u8(src, at));
        for (int j = 0; j < 16; j++) {
            int b = u8(src, at + 1 + j);
            dst[out + j] = MiniFloats.e2m1Doubled(b & 0xF) * halfScale;
            dst[out + j + 16] = MiniFloats.e2m1Doubled(b >>> 4) * halfScale;
        }
    }

    /**
     * NVFP4, 36 bytes for 64 values: four UE4M3 scale bytes (one per 16 values), then 32 bytes of
     * E2M1 codes, 8 per sub-block s: byte {@code 4 + 8s + j} holds value {@code 16s + j} in its low
     * nibble and value {@code 16s + j + 8} in its high nibble. {@code v = E2M1(q) * UE4M3(scale_s)}.
     * The block holds no per-tensor scale: ggml's dequantisation uses the four sub-block scales only.
     */
    static void nvfp4(MemorySegment src, long at, float[] dst, int out) {
        for (int s = 0; s < 4; s++) {
            float halfScale = MiniFloats.ue4m3Half(u8(src, at + s));
            int o = out + 16 * s;
            for (int j = 0; j < 8; j++) {
                int b = u8(src, at + 4 + 8L * s + j);
                dst[o + j] = MiniFloats.e2m1Doubled(b & 0xF) * halfScale;
                dst[o + j + 8] = MiniFloats.e2m1Doubled(b >>> 4) * halfScale;
            }
        }
    }
}
