package com.levqor.ops;

import com.levqor.db.Database;
import io.prometheus.metrics.core.metrics.Gauge;
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
    /**
     * {@code levqor_service_up{service}}: each check of the last probe or scrape, 1 operational, 0
     * anything else (down, degraded, stale); no sample while not configured. The alert rules need it
     * to tell the queue's sync fallback from sync by choice, and an open circuit from a closed one.
     */
    private final Gauge serviceUp;

    public HealthService(Database database, Metrics metrics, String version) {
        this.version = version;
        this.serviceUp = Gauge.builder()
                .name("levqor_service_up")
                .help("1 when the /ops/uptime check of a service is operational, 0 when down, degraded or stale "
                        + "(no sample while not configured)")
                .labelNames("service")
                .register(metrics.registry());
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
            show(c.name(), s);
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

    private void show(String service, ServiceCheck.State state) {
        if (state == ServiceCheck.State.NOT_CONFIGURED) {
            serviceUp.remove(service);
        } else {
            serviceUp.labelValues(service).set(state == ServiceCheck.State.OPERATIONAL ? 1 : 0);
        }
    }

    /** Runs every check before a scrape, so the database and service gauges are current. */
    public void refreshGauges() {
        uptime();
    }

    public String version() {
        return version;
    }
}
