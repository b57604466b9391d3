package io.jinfer.api.spi;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One layer's slice of a sequence's KV cache, held in fixed-size pages: position {@code p} lives in
 * page {@code p / pageSize()}, where its keys start at element {@code (p % pageSize()) * rowElements()}
 * of {@link #keyPage(int)}; the values likewise. A cache grows by {@link #addPage} without moving what
 * it holds, so a sequence never reallocates; a contiguous cache is the special case of one page.
 *
 * <p>The page table is written by the cache's owner between kernel calls and read by the kernels during
 * one; it is not synchronised otherwise.
 */
public final class KvLayer {
    private final QuantFormat format;
    private final int rowElements;
    private final int pageSize;
    private final long pageBytes;
    private MemorySegment[] keyPages;
    private MemorySegment[] valuePages;
    private int pages;

    /**
     * A contiguous cache: one page of {@code capacity} positions.
     *
     * @param keys key rows
     * @param values value rows
     * @param format {@link QuantFormat#F32} or {@link QuantFormat#F16}
     * @param rowElements elements per position ({@code kvHeads * headDim})
     * @param capacity positions held
     */
    public KvLayer(MemorySegment keys, MemorySegment values, QuantFormat format, int rowElements, int capacity) {
        this(format, rowElements, capacity, 1);
        addPage(keys, values);
    }

    /**
     * An empty paged cache; pages are added with {@link #addPage}.
     *
     * @param format {@link QuantFormat#F32} or {@link QuantFormat#F16}
     * @param rowElements elements per position ({@code kvHeads * headDim})
     * @param pageSize positions per page
     * @param expectedPages how many pages to make room for in the page table (it grows past that)
     */
    public KvLayer(QuantFormat format, int rowElements, int pageSize, int expectedPages) {
        if (format != QuantFormat.F32 && format != QuantFormat.F16) {
            throw new IllegalArgumentException("KV cache format must be F32 or F16, got " + format);
        }
        if (rowElements < 1 || pageSize < 1 || expectedPages < 0) {
            throw new IllegalArgumentException("bad KV layout: rowElements " + rowElements + ", pageSize " + pageSize
                    + ", pages " + expectedPages);
        }
        this.format = format;
        this.rowElements = rowElements;
        this.pageSize = pageSize;
        this.pageBytes = bytesPerPage(format, rowElements, pageSize);
        this.keyPages = new MemorySegment[Math.max(1, expectedPages)];
        this.valuePages = new MemorySegment[Math.max(1, expectedPages)];
    }

    /**
     * Bytes one page of keys (or of values) takes.
     *
     * @param format F32 or F16
     * @param rowElements elements per position
     * @param pageSize positions per page
     * @return bytes per page of one kind
     */
    public static long bytesPerPage(QuantFormat format, int rowElements, int pageSize) {
        return (long) rowElements * pageSize * (format == QuantFormat.F32 ? 4 : 2);
    }

    /**
     * Appends a page, extending the capacity by {@link #pageSize()} positions.
     *
     * @param keys the page's key rows
     * @param values the page's value rows
     */
    public void addPage(MemorySegment keys, MemorySegment values) {
        if (keys.byteSize() < pageBytes || values.byteSize() < pageBytes) {
            throw new IllegalArgumentException("KV pages hold less than " + pageBytes + " bytes");
        }
        if (pages == keyPages.length) {
            keyPages = Arrays.copyOf(keyPages, pages * 2);
            valuePages = Arrays.copyOf(valuePages, pages * 2);
        }
        keyPages[pages] = keys;
        valuePages[pages] = values;
        pages++;
    }

    /** Forgets every page (their owner gives them back); the capacity drops to zero. */
    public void clearPages() {
        Arrays.fill(keyPages, 0, pages, null);
        Arrays.fill(valuePages, 0, pages, null);
        pages = 0;
    }

    /**
     * Returns the storage format.
     *
     * @return F32 or F16
     */
    public QuantFormat format() {
        return format;
    }

    /**
     * Returns the elements per position.
     *
     * @return {@code kvHeads * headDim}
     */
    public int rowElements() {
        return rowElements;
    }

    /**
     * Returns the positions per page.
     *
     * @return page size in positions
     */
    public int pageSize() {
        return pageSize;
    }

    /**
     * Returns the pages held.
     *
     * @return page count
     */
    public int pages() {
        return pages;
    }

    /**
     * Returns the positions the pages held now can store.
     *
     * @return {@code pages() * pageSize()}
     */
    public int capacity() {
        return pages * pageSize;
    }

    /**
     * Returns the key rows of a page.
     *
     * @param page page index, below {@link #pages()}
     * @return the page's key segment
     */
    public MemorySegment keyPage(int page) {
        return keyPages[page];
    }

    /**
     * Returns the value rows of a page.
     *
     * @param page page index, below {@link #pages()}
     * @return the page's value segment
     */
    public MemorySegment valuePage(int page) {
        return valuePages[page];
    }

    /**
     * Returns the keys of the first page: the whole cache when it is contiguous.
     *
     * @return the first key page
     */
    public MemorySegment keys() {
        return keyPages[0];
    }

    /**
     * Returns the values of the first page: the whole cache when it is contiguous.
     *
     * @return the first value page
     */
    public MemorySegment values() {
        return valuePages[0];
    }

    /**
     * Writes {@code n} rows of keys or values at positions {@code startPos ..}, rounding to F16 (to
     * nearest even) when the cache stores F16: the plain, page-walking store every backend can use.
     *
     * @param src {@code n} rows of {@link #rowElements()} values
     * @param n rows to write
     * @param keys true for keys, false for values
     * @param startPos position of the first row
     * @throws IndexOutOfBoundsException when the positions fall outside the cache's capacity
     */
    public void writeRows(float[] src, int n, boolean keys, int startPos) {
        if (startPos < 0 || startPos + n > capacity()) {
            throw new IndexOutOfBoundsException("positions " + startPos + ".." + (startPos + n - 1)
                    + " outside a cache of " + capacity());
        }
        for (int t = 0; t < n; t++) {
            int p = startPos + t;
            MemorySegment seg = keys ? keyPage(p / pageSize) : valuePage(p / pageSize);
            long first = (long) (p % pageSize) * rowElements;
            for (int i = 0; i < rowElements; i++) {
                if (format == QuantFormat.F32) {
                    seg.setAtIndex(LittleEndian.FLOAT, first + i, src[t * rowElements + i]);
                } else {
                    seg.setAtIndex(LittleEndian.SHORT, first + i, Float.floatToFloat16(src[t * rowElements + i]));
                }
            }
        }
    }

    /**
     * Reads one cached value.
     *
     * @param keys true for keys, false for values
     * @param position the position
     * @param i the index within the position's row
     * @return the value, widened to float
     */
    public float value(boolean keys, int position, long i) {
        int page = position / pageSize;
        MemorySegment seg = keys ? keyPage(page) : valuePage(page);
        long index = (long) (position % pageSize) * rowElements + i;
        return format == QuantFormat.F32 ? seg.getAtIndex(LittleEndian.FLOAT, index)
                : Float.float16ToFloat(seg.getAtIndex(LittleEndian.SHORT, index));
    }
}
