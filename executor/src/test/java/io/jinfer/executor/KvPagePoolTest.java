package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.BudgetExceededException;
import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.memory.MemoryBudget;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pages are charged before they exist, reused at once when given back, and freed by a trim. */
class KvPagePoolTest {

    private static ModelConfig config() {
        Path file = TestModels.small(QuantFormat.F32);
        try (GgufFile g = GgufFile.open(file)) {
            return ModelConfig.fromMetadata(file, g.metadata(), g.tensor("token_embd.weight").rows());
        }
    }

    @Test
    void pagesAreChargedReusedAndTrimmed() {
        ModelConfig c = config();
        long page = KvPagePool.pageBytes(c, QuantFormat.F32);
        // 2 layers x (keys + values) x 16 positions x 32 values x 4 bytes
        assertEquals(2L * 2 * KvPagePool.PAGE_SIZE * c.kvDim() * 4, page);
        assertEquals(page / 2, KvPagePool.pageBytes(c, QuantFormat.F16));
        MemoryBudget budget = new MemoryBudget("test", 5 * page, null);
        try (KvPagePool pool = new KvPagePool(c, QuantFormat.F32, budget)) {
            List<KvPagePool.Page> three = pool.take(3, "three");
            assertEquals(3 * page, budget.used());
            BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> pool.take(3, "three more"));
            assertTrue(e.getMessage().contains("three more"), e.getMessage());
            // a refusal allocates nothing and keeps nothing
            assertEquals(3, pool.allocatedPages());
            assertEquals(3 * page, budget.used());
            pool.give(three.subList(0, 2));
            assertEquals(2, pool.freePages());
            assertEquals(1, pool.pagesInUse());
            // given-back pages come out again before any new one is made
            KvPagePool.Page again = pool.take("again");
            assertTrue(again == three.get(0) || again == three.get(1));
            assertEquals(3, pool.allocatedPages());
            List<KvPagePool.Page> four = pool.take(3, "four");
            assertEquals(5, pool.allocatedPages());
            assertEquals(5 * page, budget.used());
            pool.give(four);
            pool.give(List.of(again, three.get(2)));
            pool.trim();
            assertEquals(0, pool.allocatedPages());
            assertEquals(0, budget.used());
        }
    }

    @Test
    void aCacheGrowsByPagesAndGivesThemBack() {
        ModelConfig c = config();
        MemoryBudget budget = new MemoryBudget("test", 1 << 30, null);
        try (KvPagePool pool = new KvPagePool(c, QuantFormat.F16, budget)) {
            KvCache cache = new KvCache(c, pool, 20, "a test");
            cache.ensureCapacity(1);
            assertEquals(1, cache.pageCount());
            var firstKeys = cache.layer(1).keyPage(0);
            cache.ensureCapacity(KvPagePool.PAGE_SIZE * 3 + 1);
            assertEquals(4, cache.pageCount());
            assertEquals(4 * KvPagePool.PAGE_SIZE, cache.layer(0).capacity());
            // growing did not move what was there
            assertSame(firstKeys, cache.layer(1).keyPage(0));
            cache.ensureCapacity(10);
            assertEquals(4, cache.pageCount());
            cache.release();
            assertEquals(0, cache.layer(0).capacity());
            assertEquals(0, pool.pagesInUse());
            assertEquals(4, pool.freePages());
        }
        assertEquals(0, budget.used());
    }
}
