package io.jinfer.loader.gguf;

/** Metadata value types of GGUF, numbered as in the file. */
public enum GgufValueType {
    /** unsigned 8-bit integer */
    UINT8(1),
    /** signed 8-bit integer */
    INT8(1),
    /** unsigned 16-bit integer */
    UINT16(2),
    /** signed 16-bit integer */
    INT16(2),
    /** unsigned 32-bit integer */
    UINT32(4),
    /** signed 32-bit integer */
    INT32(4),
    /** IEEE binary32 */
    FLOAT32(4),
    /** one byte, 0 or 1 */
    BOOL(1),
    /** u64 length then UTF-8 bytes */
    STRING(8),
    /** element type (u32), u64 count, then the elements */
    ARRAY(12),
    /** unsigned 64-bit integer */
    UINT64(8),
    /** signed 64-bit integer */
    INT64(8),
    /** IEEE binary64 */
    FLOAT64(8);

    private final int minBytes;

    GgufValueType(int minBytes) {
        this.minBytes = minBytes;
    }

    /**
     * Returns the smallest encoded size of one value; used to reject counts that cannot fit the file.
     *
     * @return the fewest bytes one value of this type takes in a file
     */
    public int minBytes() {
        return minBytes;
    }

    /**
     * Maps a value-type number read from a file to its type.
     *
     * @param id the number in the file
     * @return the type, or null when the number is not a GGUF value type
     */
    public static GgufValueType fromId(long id) {
        GgufValueType[] all = values();
        return id >= 0 && id < all.length ? all[(int) id] : null;
    }
}
