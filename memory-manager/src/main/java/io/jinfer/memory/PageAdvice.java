package io.jinfer.memory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code madvise(2)} through the foreign function API, for mapped weight files on Linux: ask the
 * kernel to read a range ahead ({@code MADV_WILLNEED}) and to map its pages into this process at
 * once ({@code MADV_POPULATE_READ}, Linux 5.14 and later), rather than one page fault per 4 KiB on
 * first use. Elsewhere, or where the call is refused, every method reports {@code false} and
 * callers fall back to touching the pages.
 */
final class PageAdvice {
    private static final int MADV_WILLNEED = 3;
    private static final int MADV_POPULATE_READ = 22;
    private static final MethodHandle MADVISE = bind();

    private PageAdvice() {}

    private static MethodHandle bind() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> fn = linker.defaultLookup().find("madvise");
            return fn.map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            // no native access granted, or no such symbol: the callers' fallback works without it
            return null;
        }
    }

    /** @return whether madvise is bound */
    static boolean available() {
        return MADVISE != null;
    }

    /**
     * @param range a page-aligned range of a mapping
     * @return whether the kernel accepted the read-ahead request
     */
    static boolean willNeed(MemorySegment range) {
        return advise(range, MADV_WILLNEED);
    }

    /**
     * Maps every page of the range into the process, reading what is not in the page cache yet.
     *
     * @param range a page-aligned range of a mapping
     * @return whether the kernel did it (false before Linux 5.14 or when refused)
     */
    static boolean populateRead(MemorySegment range) {
        return advise(range, MADV_POPULATE_READ);
    }

    private static boolean advise(MemorySegment range, int advice) {
        if (MADVISE == null || range.byteSize() == 0) {
            return false;
        }
        try {
            return (int) MADVISE.invokeExact(range, range.byteSize(), advice) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
