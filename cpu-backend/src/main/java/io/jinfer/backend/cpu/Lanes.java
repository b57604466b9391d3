package io.jinfer.backend.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species one kernel set computes with: float lanes plus byte, short and int species of
 * the same lane count (so that conversions between them keep every lane).
 *
 * <p>Why a class per width: the Vector API only compiles to SIMD instructions when the species is a
 * compile-time constant. Each subclass returns {@code static final} species, so once the JIT inlines
 * the (monomorphic in practice) getter the species folds to a constant. A kernel set therefore never
 * stores a species in an instance field that the hot loops read directly.
 */
abstract sealed class Lanes permits Lanes.W128, Lanes.W256, Lanes.W512, Lanes.Any {

    /** @return float species */
    abstract VectorSpecies<Float> floats();

    /** @return byte species with as many lanes as {@link #floats()}, or null when none exists */
    abstract VectorSpecies<Byte> bytes();

    /** @return short species with as many lanes as {@link #floats()}, or null when none exists */
    abstract VectorSpecies<Short> shorts();

    /** @return int species with as many lanes as {@link #floats()}, or null when none exists */
    abstract VectorSpecies<Integer> ints();

    /**
     * Sums the lanes in a fixed butterfly order made of exact lane-wise additions. {@code reduceLanes(ADD)}
     * leaves its order to the implementation, and the JIT's intrinsic and the interpreted fallback
     * do use different orders, so the same input could give results differing in the last bit
     * depending on what had been compiled; this sum is the same every time.
     *
     * @param v the vector
     * @return the sum of its lanes
     */
    static float sum(FloatVector v) {
        return switch (v.length()) {
            case 16 -> fold(fold(fold(fold(v, R16_8), R16_4), R16_2), R16_1).lane(0);
            case 8 -> fold(fold(fold(v, R8_4), R8_2), R8_1).lane(0);
            case 4 -> fold(fold(v, R4_2), R4_1).lane(0);
            default -> sumInOrder(v);
        };
    }

    /**
     * Sums {@code n} floats in index order: the scalar end of a lane reduction whose lanes were
     * stored with {@code intoArray}, which keeps large kernels free of boxed vectors.
     *
     * @param a the array
     * @param off first index
     * @param n how many
     * @return the sum, always taken in the same order
     */
    static float sum(float[] a, int off, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    /** Adds each lane i to lane i + k (mod length): one step of a fixed butterfly. */
    private static FloatVector fold(FloatVector v, VectorShuffle<Float> rotate) {
        return v.add(v.rearrange(rotate));
    }

    private static VectorShuffle<Float> rotation(VectorSpecies<Float> species, int k) {
        return VectorShuffle.fromOp(species, i -> (i + k) % species.length());
    }

    private static final VectorShuffle<Float> R16_8 = rotation(FloatVector.SPECIES_512, 8);
    private static final VectorShuffle<Float> R16_4 = rotation(FloatVector.SPECIES_512, 4);
    private static final VectorShuffle<Float> R16_2 = rotation(FloatVector.SPECIES_512, 2);
    private static final VectorShuffle<Float> R16_1 = rotation(FloatVector.SPECIES_512, 1);
    private static final VectorShuffle<Float> R8_4 = rotation(FloatVector.SPECIES_256, 4);
    private static final VectorShuffle<Float> R8_2 = rotation(FloatVector.SPECIES_256, 2);
    private static final VectorShuffle<Float> R8_1 = rotation(FloatVector.SPECIES_256, 1);
    private static final VectorShuffle<Float> R4_2 = rotation(FloatVector.SPECIES_128, 2);
    private static final VectorShuffle<Float> R4_1 = rotation(FloatVector.SPECIES_128, 1);

    /** Other widths (never on x86 or NEON): lane by lane, in order. */
    private static float sumInOrder(FloatVector v) {
        float s = 0;
        for (int i = 0, n = v.length(); i < n; i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** @return float lanes per vector */
    final int length() {
        return floats().length();
    }

    /**
     * Whether the block-specialised quantised kernels can run: they load 32-value blocks as whole
     * vectors of bytes, so the lane count must divide 16 and a matching byte species must exist.
     */
    final boolean quantKernels() {
        return bytes() != null && 16 % length() == 0 && length() >= 8;
    }

    /**
     * @param species the float species to compute with
     * @return the lane set for it
     */
    static Lanes of(VectorSpecies<Float> species) {
        return switch (species.vectorBitSize()) {
            case 128 -> new W128();
            case 256 -> new W256();
            case 512 -> new W512();
            default -> new Any(species);
        };
    }

    /** 128-bit vectors (SSE, NEON): too narrow for the byte loads of the block kernels. */
    static final class W128 extends Lanes {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_64;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_128;

        @Override
        VectorSpecies<Float> floats() {
            return F;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return null;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return S;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return I;
        }
    }

    /** 256-bit vectors (AVX2). */
    static final class W256 extends Lanes {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

        @Override
        VectorSpecies<Float> floats() {
            return F;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return B;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return S;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return I;
        }
    }

    /** 512-bit vectors (AVX-512). */
    static final class W512 extends Lanes {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;

        @Override
        VectorSpecies<Float> floats() {
            return F;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return B;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return S;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return I;
        }
    }

    /** Any other width (e.g. scalable vectors): correct, possibly slower, no block kernels. */
    static final class Any extends Lanes {
        private final VectorSpecies<Float> f;
        private final VectorSpecies<Short> s;
        private final VectorSpecies<Integer> i;

        Any(VectorSpecies<Float> f) {
            this.f = f;
            int lanes = f.length();
            this.s = speciesOrNull(short.class, lanes * 16);
            this.i = speciesOrNull(int.class, lanes * 32);
        }

        private static <E> VectorSpecies<E> speciesOrNull(Class<E> type, int bits) {
            try {
                return VectorSpecies.of(type, VectorShape.forBitSize(bits));
            } catch (IllegalArgumentException e) {
                return null; // no such shape: half-precision paths fall back to scalar code
            }
        }

        @Override
        VectorSpecies<Float> floats() {
            return f;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return null;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return s;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return i;
        }
    }
}
