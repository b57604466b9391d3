package io.jinfer.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The kernel configurations every test runs: AVX2 width, the preferred width, 128 and 64 bits (the
 * fallback paths), each with 1 and 3 threads.
 */
final class KernelSetup {
    private KernelSetup() {}

    static List<VectorSpecies<Float>> species() {
        List<VectorSpecies<Float>> s = new ArrayList<>();
        s.add(FloatVector.SPECIES_256);
        if (FloatVector.SPECIES_PREFERRED != FloatVector.SPECIES_256) {
            s.add(FloatVector.SPECIES_PREFERRED);
        }
        // 128-bit vectors have no block kernels: the quantised formats take the generic path
        s.add(FloatVector.SPECIES_128);
        // 64-bit vectors have no half-precision vector conversion either: everything else falls back
        s.add(FloatVector.SPECIES_64);
        return s;
    }

    /** @return (species, threads) pairs */
    static List<Arguments> configurations() {
        List<Arguments> out = new ArrayList<>();
        for (VectorSpecies<Float> s : species()) {
            for (int threads : new int[] {1, 3}) {
                out.add(Arguments.of(s, threads));
            }
        }
        return out;
    }
}
