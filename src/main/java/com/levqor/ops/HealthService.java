package com.levqor.ops;

import com.levqor.db.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the answer of {@code GET /ops/uptime} from the registered {@link ServiceCheck}s. */
public final class HealthService {
    /** Longest wait for the database in a probe: a hung database must not hang the probe. */
    public static final Duration DB_CHECK_TIMEOUT = Duration.ofSeconds(1);

    /** The uptime answer; {@code services} keeps registration order (api first). */
    public record Uptime(String status, Map<String, String> services, double responseTimeMs, String version) {
        public int httpStatus() {
            return "down".equals(status) ? 503 : 200;
        }
    }

    private final List<ServiceCheck> checks = new ArrayList<>();
    private final String version;
    private final Metrics metrics;

    public HealthService(Database database, Metrics metrics, String version) {
        this.version = version;
        this.metrics = metrics;
        checks.add(new ServiceCheck() {
            @Override
            public String name() {
                return "database";
            }

            @Override
            public boolean critical() {
                return true;
            }

            @Override
            public State check() {
                boolean up = database.isUp(DB_CHECK_TIMEOUT);
                metrics.setDbUp(up);
                return up ? State.OPERATIONAL : State.DOWN;
            }
        });
    }

    /** Adds a dependency to the probe (Redis, the queue…). Call before the server starts. */
    public void register(ServiceCheck check) {
        checks.add(check);
    }

    public Uptime uptime() {
        long start = System.nanoTime();
        Map<String, String> services = new LinkedHashMap<>();
        services.put("api", ServiceCheck.State.OPERATIONAL.wire());
        ServiceCheck.State overall = ServiceCheck.State.OPERATIONAL;
        for (ServiceCheck c : checks) {
            ServiceCheck.State s = c.check();
            services.put(c.name(), c.wire(s));
            if (s == ServiceCheck.State.DOWN && c.critical()) {
                overall = ServiceCheck.State.DOWN;
            } else if (s != ServiceCheck.State.OPERATIONAL && s != ServiceCheck.State.NOT_CONFIGURED
                    && overall == ServiceCheck.State.OPERATIONAL) {
                overall = ServiceCheck.State.DEGRADED;
            }
        }
        double ms = Math.round((System.nanoTime() - start) / 10_000.0) / 100.0;
        return new Uptime(overall.wire(), services, ms, version);
    }

    /** Refreshes the database gauge before a scrape. */
    public void refreshGauges() {
        checks.get(0).check();
    }

    public String version() {
        return version;
    }
}
