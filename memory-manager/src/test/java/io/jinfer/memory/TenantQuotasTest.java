package io.jinfer.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.BudgetExceededException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantQuotasTest {

    @Test
    void aTenantCannotTakeAnotherTenantsQuota() {
        MemoryBudget model = MemoryBudget.root("model", 1000);
        TenantQuotas q = new TenantQuotas(model, Map.of("alice", 300L, "bob", 300L), 0);
        MemoryBudget alice = q.budget("alice");
        MemoryBudget bob = q.budget("bob");
        List<MemoryBudget.Reservation> held = new ArrayList<>();
        // Alice fills her quota and cannot go beyond it, although the model has 400 bytes unreserved.
        held.add(alice.reserve(300, MemoryUse.KV_CACHE, "alice kv"));
        BudgetExceededException e = assertThrows(BudgetExceededException.class,
                () -> alice.reserve(1, MemoryUse.KV_CACHE, "alice more"));
        assertTrue(e.budget().endsWith("tenant alice"), e.budget());
        // A tenant without a quota shares only the unreserved 400 bytes: never Bob's 300.
        MemoryBudget carol = q.budget("carol");
        held.add(carol.reserve(400, MemoryUse.KV_CACHE, "carol kv"));
        assertThrows(BudgetExceededException.class, () -> carol.reserve(1, MemoryUse.KV_CACHE, "carol more"));
        // Bob still has all of his.
        held.add(bob.reserve(300, MemoryUse.KV_CACHE, "bob kv"));
        assertEquals(1000, model.used());
        held.forEach(MemoryBudget.Reservation::close);
        assertEquals(600, model.used(), "the two quotas stay carved while no one uses them");
    }

    @Test
    void defaultQuotasAreCarvedOnFirstUseAndTheSameBudgetComesBack() {
        MemoryBudget model = MemoryBudget.root("model", 1000);
        TenantQuotas q = new TenantQuotas(model, Map.of(), 250);
        MemoryBudget x = q.budget("x");
        assertSame(x, q.budget("x"));
        assertEquals(250, x.limit());
        q.budget("y");
        q.budget("z");
        q.budget("w");
        assertEquals(1000, model.used());
        assertThrows(BudgetExceededException.class, () -> q.budget("v"), "a fifth default quota cannot be carved");
        assertEquals(Map.of("x", 250L, "y", 250L, "z", 250L, "w", 250L), q.quotas());
    }

    @Test
    void quotasThatDoNotFitFailAtOnceAndLeaveNothingCarved() {
        MemoryBudget model = MemoryBudget.root("model", 500);
        assertThrows(BudgetExceededException.class,
                () -> new TenantQuotas(model, Map.of("a", 300L, "b", 300L), 0));
        assertEquals(0, model.used());
    }

    @Test
    void aQuotaChangesOnlyWhileTheTenantHoldsNothing() {
        MemoryBudget model = MemoryBudget.root("model", 1000);
        TenantQuotas q = new TenantQuotas(model, Map.of("a", 300L), 0);
        try (MemoryBudget.Reservation r = q.budget("a").reserve(10, "kv")) {
            assertThrows(IllegalStateException.class, () -> q.setQuota("a", 500));
        }
        q.setQuota("a", 500);
        assertEquals(500, q.budget("a").limit());
        assertEquals(500, model.used());
        assertThrows(BudgetExceededException.class, () -> q.setQuota("a", 2000));
        assertEquals(500, q.budget("a").limit(), "the old quota stays when the new one does not fit");
        assertThrows(IllegalArgumentException.class, () -> q.setQuota(" ", 10));
        assertThrows(IllegalArgumentException.class, () -> q.setQuota("b", 0));
    }
}
