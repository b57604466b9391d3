package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * IQ4_NL blocks (F16 d, 16 bytes of nibbles laid out as Q4_0) expanded in registers: each nibble
 * selects one of 16 non-linear levels ({@link NibbleTable}), {@code v = d * level}.
 */
final class IQ4_NLCodec extends NibbleBlockCodec {

    IQ4_NLCodec(Lanes ln) {
        super(ln, NibbleTable.IQ4_LEVELS, 2);
    }

    @Override
    float scale(MemorySegment w, long p) {
        return Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
    }
}
