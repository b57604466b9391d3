package io.jinfer.loader.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds safetensors bytes by hand, so tests can write headers the writer never would. */
final class RawSafetensors {
    private RawSafetensors() {}

    /** An 8-byte length, the header text as given, then {@code dataBytes} bytes counting up. */
    static byte[] of(String header, int dataBytes) {
        return of(header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    /** Like {@link #of(String, int)} but with any value in the length field. */
    static byte[] of(long declaredLength, String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(h);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** The JSON entry of one tensor. */
    static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }
}
