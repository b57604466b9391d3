package io.jinfer.memory;

import io.jinfer.api.BudgetExceededException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-tenant memory quotas under one budget (a model's or a runtime's): each tenant with a quota gets a
 * slice {@link MemoryBudget#carve carved} out of the parent, so no other tenant can ever use it.
 * Tenants without a quota of their own get the default quota, carved the same way on first use; when
 * there is no default, they share what the parent has not carved out (they can take each other's
 * memory, never a quota holder's).
 *
 * <p>Thread-safe.
 */
public final class TenantQuotas {
    private final MemoryBudget parent;
    private final long defaultQuota;
    private final Map<String, MemoryBudget> budgets = new LinkedHashMap<>();

    /**
     * Carves the named quotas out of {@code parent} at once, so a set that cannot fit fails here, not
     * when a tenant's request arrives.
     *
     * @param parent the budget the quotas come from
     * @param quotas bytes per tenant name, each greater than 0
     * @param defaultQuota bytes carved for each other tenant on first use, or 0 for "share the rest"
     * @throws BudgetExceededException when the quotas together exceed what {@code parent} has left
     * @throws IllegalArgumentException on a blank tenant name or a quota of 0 or less
     */
    public TenantQuotas(MemoryBudget parent, Map<String, Long> quotas, long defaultQuota) {
        this.parent = Objects.requireNonNull(parent, "parent");
        if (defaultQuota < 0) {
            throw new IllegalArgumentException("the default tenant quota must be >= 0, got " + defaultQuota);
        }
        this.defaultQuota = defaultQuota;
        try {
            quotas.forEach(this::setQuota);
        } catch (RuntimeException e) {
            budgets.values().stream().filter(MemoryBudget::isCarved).forEach(MemoryBudget::release);
            throw e;
        }
    }

    /**
     * Sets (or replaces) a tenant's quota, carving it out of the parent now.
     *
     * @param tenant the tenant's name
     * @param bytes the quota, greater than 0
     * @throws BudgetExceededException when the parent cannot spare it (the old quota stays)
     * @throws IllegalStateException when the tenant still holds memory under its old quota
     */
    public synchronized void setQuota(String tenant, long bytes) {
        checkName(tenant);
        if (bytes <= 0) {
            throw new IllegalArgumentException("the quota of tenant '" + tenant + "' must be > 0 bytes, got " + bytes);
        }
        MemoryBudget old = budgets.get(tenant);
        if (old != null && old.used() > 0) {
            throw new IllegalStateException("tenant '" + tenant + "' holds " + old.used()
                    + " bytes; its quota can change when it holds none");
        }
        if (old != null && old.isCarved()) {
            old.release();
        }
        try {
            budgets.put(tenant, parent.carve("tenant " + tenant, bytes));
        } catch (BudgetExceededException e) {
            if (old != null) {
                // Put the old quota back; it fitted before, and nothing else can have taken its bytes
                // under this lock unless another path reserved from the parent meanwhile.
                budgets.put(tenant, old.isCarved() ? parent.carve("tenant " + tenant, old.limit()) : old);
            }
            throw e;
        }
    }

    /**
     * Returns the budget a tenant's allocations are charged to, creating it on first use.
     *
     * @param tenant the tenant's name
     * @return its carved quota, or for a tenant without one: a carved default quota, or a shared child
     *     of the parent when there is no default
     * @throws BudgetExceededException when a default quota cannot be carved
     */
    public synchronized MemoryBudget budget(String tenant) {
        checkName(tenant);
        MemoryBudget b = budgets.get(tenant);
        if (b == null) {
            b = defaultQuota > 0 ? parent.carve("tenant " + tenant, defaultQuota)
                    : parent.child("tenant " + tenant + " (no quota)", parent.limit());
            budgets.put(tenant, b);
        }
        return b;
    }

    /**
     * Returns the quotas set so far (including default quotas carved on first use).
     *
     * @return bytes per tenant, in the order the tenants were first seen
     */
    public synchronized Map<String, Long> quotas() {
        Map<String, Long> out = new LinkedHashMap<>();
        budgets.forEach((t, b) -> {
            if (b.isCarved()) {
                out.put(t, b.limit());
            }
        });
        return out;
    }

    /**
     * Returns the budget the quotas are carved from.
     *
     * @return the parent budget
     */
    public MemoryBudget parent() {
        return parent;
    }

    private static void checkName(String tenant) {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("tenant must not be blank");
        }
    }
}
