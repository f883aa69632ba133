package com.levqor.backups;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Optional;

/**
 * The backups' gauges, the same on every instance: they are read from the {@code backups} table
 * (every round of the schedule, and after a run of this process), not from what this process did.
 * Before any drill the drill gauges are NaN (no comparison is true of NaN, so no alert fires); before
 * any backup the last success is 0, which a freshness alert treats as very old.
 */
public final class BackupMetrics {
    private final Gauge lastSuccess;
    private final Gauge size;
    private final Gauge duration;
    private final Gauge parity;
    private final Gauge rto;

    public BackupMetrics(PrometheusRegistry registry) {
        lastSuccess = Gauge.builder().name("levqor_backup_last_success_timestamp_seconds")
                .help("When the newest good backup finished, Unix seconds (0: none yet)").register(registry);
        size = Gauge.builder().name("levqor_backup_size_bytes")
                .help("Size of the newest good backup's SQL file, bytes").register(registry);
        duration = Gauge.builder().name("levqor_backup_duration_seconds")
                .help("How long the newest good backup took, seconds").register(registry);
        parity = Gauge.builder().name("levqor_restore_parity_ratio")
                .help("Share of items that matched in the newest restore drill (1 = PARITY:100%; 0 when it failed "
                        + "before comparing; NaN before any drill)").register(registry);
        rto = Gauge.builder().name("levqor_restore_rto_seconds")
                .help("Restore plus verification time of the newest restore drill, seconds (NaN before any)")
                .register(registry);
        lastSuccess.set(0);
        size.set(0);
        duration.set(0);
        parity.set(Double.NaN);
        rto.set(Double.NaN);
    }

    /** Shows the newest good backup and the newest finished drill. */
    public void show(Optional<BackupRuns.Run> newestBackup, Optional<BackupRuns.Run> newestDrill) {
        newestBackup.ifPresent(b -> {
            if (b.finishedAt() != null) {
                lastSuccess.set(b.finishedAt().toEpochMilli() / 1000.0);
            }
            size.set(b.sizeBytes() == null ? 0 : b.sizeBytes());
            duration.set(b.durationSeconds() == null ? 0 : b.durationSeconds());
        });
        newestDrill.ifPresent(d -> {
            parity.set(d.parity() == null ? 0 : d.parity());
            rto.set(d.rtoSeconds() == null ? Double.NaN : d.rtoSeconds());
        });
    }
}
