package io.jinfer.loader.hf;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsTensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Set;

/** Reading scale tensors: their formats, their one value when they are scalars, and shape checks. */
final class ScaleTensors {
    private ScaleTensors() {}

    static ModelFormatException error(SafetensorsTensor t, String problem) {
        return new ModelFormatException(t.file(), -1, t.name(), problem);
    }

    /** The jinfer format of a scale tensor, one of {@code allowed}. */
    static QuantFormat format(SafetensorsTensor t, Set<SafetensorsDtype> allowed) {
        if (!allowed.contains(t.dtype())) {
            throw error(t, "expected scales of type " + allowed + ", found " + t.dtype());
        }
        return t.dtype() == SafetensorsDtype.U8 ? QuantFormat.E8M0 : t.dtype().format().orElseThrow();
    }

    /** The value of a one-element F32, F16 or BF16 tensor. */
    static float scalar(SafetensorsTensor t) {
        if (t.elementCount() != 1) {
            throw error(t, "expected one value, found shape " + Arrays.toString(t.shape()));
        }
        MemorySegment d = t.data();
        float v = switch (t.dtype()) {
            case F32 -> d.get(LittleEndian.FLOAT, 0);
            case BF16 -> Float.intBitsToFloat((d.get(LittleEndian.SHORT, 0) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(d.get(LittleEndian.SHORT, 0));
            default -> throw error(t, "expected an F32, F16 or BF16 scalar, found " + t.dtype());
        };
        if (!Float.isFinite(v) || v == 0) {
            throw error(t, "expected a finite non-zero scale, found " + v);
        }
        return v;
    }

    /** Checks a scale grid's shape; scalars and trailing 1s are accepted where the grid has one column. */
    static void expectGrid(SafetensorsTensor t, long gridRows, long gridColumns) {
        long[] s = t.shape();
        boolean ok;
        if (gridRows == 1 && gridColumns == 1) {
            ok = t.elementCount() == 1;
        } else if (gridColumns == 1) {
            ok = (s.length == 1 && s[0] == gridRows) || (s.length == 2 && s[0] == gridRows && s[1] == 1);
        } else {
            ok = s.length == 2 && s[0] == gridRows && s[1] == gridColumns;
        }
        if (!ok) {
            throw error(t, "expected a scale grid of shape [" + gridRows + ", " + gridColumns + "], found "
                    + Arrays.toString(s));
        }
    }
}
