package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.BudgetExceededException;
import io.jinfer.api.Runtime;
import io.jinfer.api.spi.RuntimeConfig;
import io.jinfer.memory.MemoryBudget;
import io.jinfer.memory.MemoryUse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tenant quotas set on the runtime reach the engine as carved, isolated budgets. */
class TenantBudgetTest {

    @Test
    void quotasAreCarvedFromTheRuntimeBudgetAndIsolated() {
        RuntimeConfig config = new RuntimeConfig(1, 1000, "cpu", true, false, Map.of("alice", 400L));
        LocalEngine engine = new LocalEngine(config);
        try {
            MemoryBudget alice = engine.tenantBudget("alice");
            MemoryBudget bob = engine.tenantBudget("bob");
            assertEquals(400, engine.budget().used(MemoryUse.QUOTA));
            assertThrows(BudgetExceededException.class, () -> bob.reserve(601, MemoryUse.KV_CACHE, "bob's kv"));
            try (MemoryBudget.Reservation r = bob.reserve(600, MemoryUse.KV_CACHE, "bob's kv")) {
                // Bob has taken all he may; Alice's 400 bytes are still hers.
                alice.reserve(400, MemoryUse.KV_CACHE, "alice's kv").close();
            }
        } finally {
            engine.close();
        }
    }

    @Test
    void quotasLargerThanTheBudgetFailTheBuild() {
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> Runtime.builder().threads(1)
                .memoryBudgetBytes(1000).tenantQuota("a", 600).tenantQuota("b", 600).build());
        assertTrue(e.getMessage().contains("tenant b"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Runtime.builder().threads(1).tenantQuota("a", 0).build());
    }
}
