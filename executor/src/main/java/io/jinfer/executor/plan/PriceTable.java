package io.jinfer.executor.plan;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * USD per hour by device profile. The defaults are rough public on-demand cloud prices of late 2025
 * per GPU (they vary by a factor of 2 to 4 between providers), meant to be overridden with the
 * prices one actually pays: {@code h100=2.1,gb200=5}.
 *
 * @param usdPerHour price per profile name
 */
public record PriceTable(Map<String, Double> usdPerHour) {

    /** Default prices, USD per hour per profile (a GB200 profile is one Grace plus one Blackwell GPU). */
    public static final PriceTable DEFAULTS = new PriceTable(Map.of(
            "h100", 2.50, "h200", 3.50, "b200", 5.50, "gb200", 6.50, "rtx4090", 0.40, "cpu", 0.05));

    /** Copies the map and checks the prices. */
    public PriceTable {
        usdPerHour = Map.copyOf(usdPerHour);
        usdPerHour.forEach((k, v) -> {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("price of " + k + " must be a finite number >= 0, got " + v);
            }
        });
    }

    /**
     * Returns a copy with prices overridden from {@code PROFILE=USD,...}.
     *
     * @param spec e.g. {@code h100=2.1,cpu=0}
     * @return the new table
     * @throws IllegalArgumentException naming the bad entry or unknown profile
     */
    public PriceTable with(String spec) {
        Map<String, Double> m = new LinkedHashMap<>(usdPerHour);
        for (String part : spec.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("price '" + p + "': expected PROFILE=USD_PER_HOUR, e.g. h100=2.5");
            }
            String profile = DeviceProfiles.canonical(p.substring(0, eq).trim().toLowerCase(Locale.ROOT));
            double usd;
            try {
                usd = Double.parseDouble(p.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("price '" + p + "': '" + p.substring(eq + 1) + "' is not a number");
            }
            if (!(usd >= 0) || Double.isInfinite(usd)) {
                throw new IllegalArgumentException("price '" + p + "': must be a finite number >= 0");
            }
            m.put(profile, usd);
        }
        return new PriceTable(m);
    }

    /**
     * Returns the price of a profile.
     *
     * @param profile the profile name
     * @return USD per hour, 0 when the table has none
     */
    public double price(String profile) {
        return usdPerHour.getOrDefault(profile, 0.0);
    }
}
