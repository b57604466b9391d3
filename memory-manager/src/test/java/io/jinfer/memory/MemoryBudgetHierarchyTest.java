package io.jinfer.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.BudgetExceededException;
import org.junit.jupiter.api.Test;

class MemoryBudgetHierarchyTest {

    /** device → runtime → model → session, with the bytes of each level in view. */
    @Test
    void chargesEveryLevelAndNamesTheOneThatRefuses() {
        MemoryBudget device = MemoryBudget.root("device gpu0", 1000);
        MemoryBudget runtime = device.child("runtime", 800);
        MemoryBudget model = runtime.child("model m", 600);
        MemoryBudget session = model.child("session 1", 300);
        try (MemoryBudget.Reservation w = model.reserve(250, MemoryUse.WEIGHTS, "weights");
                MemoryBudget.Reservation kv = session.reserve(200, MemoryUse.KV_CACHE, "kv")) {
            assertEquals(450, device.used());
            assertEquals(250, device.used(MemoryUse.WEIGHTS));
            assertEquals(200, device.used(MemoryUse.KV_CACHE));
            assertEquals(100, session.remaining());
            BudgetExceededException e = assertThrows(BudgetExceededException.class,
                    () -> session.reserve(101, MemoryUse.SCRATCH, "scratch"));
            assertEquals("device gpu0/runtime/model m/session 1", e.budget());
            assertEquals(101, e.requested());
            assertEquals(100, e.available());
            assertTrue(e.getMessage().contains("scratch needs 101 bytes, 100 bytes are left"), e.getMessage());
            // The model level refuses when the session still has room but the model has not.
            MemoryBudget other = model.child("session 2", 300);
            BudgetExceededException m = assertThrows(BudgetExceededException.class,
                    () -> other.reserve(160, MemoryUse.KV_CACHE, "kv 2"));
            assertEquals("device gpu0/runtime/model m", m.budget());
            assertEquals(150, m.available());
            // a failed reservation charged nothing anywhere
            assertEquals(450, device.used());
            assertEquals(0, other.used());
        }
        assertEquals(0, device.used());
        assertEquals(0, session.used());
    }

    @Test
    void fitsAndRemainingLookAtEveryAncestor() {
        MemoryBudget root = MemoryBudget.root("device", 100);
        MemoryBudget child = root.child("runtime", 1000);
        assertEquals(100, child.remaining());
        assertTrue(child.fits(100));
        assertFalse(child.fits(101));
        assertFalse(child.fits(-1));
    }

    @Test
    void aCarvedSliceIsTakenFromTheParentUpFrontAndChargedOnlyOnce() {
        MemoryBudget model = MemoryBudget.root("model", 1000);
        MemoryBudget alice = model.carve("tenant alice", 400);
        assertTrue(alice.isCarved());
        assertEquals(400, model.used());
        assertEquals(400, model.used(MemoryUse.QUOTA));
        try (MemoryBudget.Reservation r = alice.reserve(400, MemoryUse.KV_CACHE, "kv")) {
            // Used inside the slice: the parent still counts the slice once, not twice.
            assertEquals(400, model.used());
            assertEquals(0, alice.remaining());
            assertThrows(IllegalStateException.class, alice::release);
        }
        alice.release();
        assertEquals(0, model.used());
        assertThrows(IllegalStateException.class, () -> alice.reserve(1, "after release"));
        assertThrows(BudgetExceededException.class, () -> model.carve("too big", 1001));
        assertThrows(IllegalStateException.class, model::release);
    }

    @Test
    void rejectsBadArguments() {
        MemoryBudget b = MemoryBudget.root("b", 10);
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.root("z", 0));
        assertThrows(IllegalArgumentException.class, () -> b.reserve(-1, "negative"));
        assertThrows(IllegalArgumentException.class, () -> b.carve("q", 0));
    }
}
