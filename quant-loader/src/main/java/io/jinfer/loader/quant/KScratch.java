package io.jinfer.loader.quant;

/**
 * Per-thread working arrays of the super-block quantisers, so that quantising allocates nothing
 * after a thread's first row. Every quantiser overwrites what it reads before reading it.
 */
final class KScratch {
    private static final ThreadLocal<KScratch> CURRENT = ThreadLocal.withInitial(KScratch::new);

    /** One level per value of a super-block. */
    final int[] levels = new int[KQuantMath.QK_K];
    /** Trial levels of one group. */
    final int[] aux = new int[32];
    /** Weights of one group. */
    final float[] weights = new float[32];
    /** One scale per group (up to 16 groups). */
    final float[] scales = new float[16];
    /** One minimum per group. */
    final float[] mins = new float[16];
    /** Quantised scale of each group. */
    final int[] scaleLevels = new int[16];
    /** Quantised minimum of each group. */
    final int[] minLevels = new int[16];

    private KScratch() {}

    /** @return this thread's arrays */
    static KScratch get() {
        return CURRENT.get();
    }
}
