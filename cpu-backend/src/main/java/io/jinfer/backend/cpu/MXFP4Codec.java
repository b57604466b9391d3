package io.jinfer.backend.cpu;

import io.jinfer.api.format.MiniFloats;
import java.lang.foreign.MemorySegment;

/**
 * MXFP4 blocks (one E8M0 scale byte, 16 bytes of E2M1 codes laid out as Q4_0) expanded in
 * registers. As ggml computes them, values are the doubled E2M1 integers ({@link NibbleTable})
 * times half the scale.
 */
final class MXFP4Codec extends NibbleBlockCodec {

    MXFP4Codec(Lanes ln) {
        super(ln, NibbleTable.E2M1_DOUBLED, 1);
    }

    @Override
    float scale(MemorySegment w, long p) {
        return MiniFloats.e8m0Half(KBlockBits.u8(w, p));
    }
}
