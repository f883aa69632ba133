package com.levqor.backups;

import com.levqor.api.ApiException;
import com.levqor.api.QueryParams;
import com.levqor.config.BackupSettings;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code GET /ops/backups} (admin): every backup and drill, newest first, with the schedule. */
public final class BackupHandlers {
    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1_000;

    private final BackupRuns runs;
    private final BackupSettings settings;
    private final Clock clock;

    public BackupHandlers(BackupRuns runs, BackupSettings settings, Clock clock) {
        this.runs = runs;
        this.settings = settings;
        this.clock = clock;
    }

    /** {@code GET /ops/backups?kind=backup|drill&limit=}: runs newest first. */
    public void list(Context ctx) {
        Optional<BackupRuns.Kind> kind = kind(ctx.queryParam("kind"));
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
        List<Map<String, Object>> list = runs.list(kind, limit).stream().map(BackupHandlers::view).toList();
        Instant now = clock.instant();
        Optional<Instant> newestGood = runs.newestGoodBackupAt();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("backups", list);
        body.put("count", list.size());
        body.put("enabled", settings.enabled());
        body.put("newest_good_backup_at", newestGood.orElse(null));
        body.put("stale", settings.enabled() && BackupStatus.isStale(newestGood, now));
        body.put("backup_cron", settings.backupCron().asString());
        body.put("drill_cron", settings.drillCron().asString());
        body.put("next_backup_at", settings.enabled()
                ? BackupSchedule.nextOccurrence(settings.backupCron(), now).orElse(null) : null);
        body.put("next_drill_at", settings.enabled()
                ? BackupSchedule.nextOccurrence(settings.drillCron(), now).orElse(null) : null);
        body.put("retention_days", settings.retentionDays());
        ctx.json(body);
    }

    private static Optional<BackupRuns.Kind> kind(String raw) {
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        for (BackupRuns.Kind k : BackupRuns.Kind.values()) {
            if (k.wire().equals(raw.toLowerCase(Locale.ROOT))) {
                return Optional.of(k);
            }
        }
        throw ApiException.invalid("Query parameter 'kind' must be backup or drill.", Map.of("kind", "must be backup or drill"));
    }

    /** One run as JSON (snake_case, times in UTC). */
    public static Map<String, Object> view(BackupRuns.Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("kind", r.kind());
        m.put("triggered_by", r.triggeredBy());
        m.put("scheduled_for", r.scheduledFor());
        m.put("outcome", r.outcome());
        m.put("file", r.file());
        m.put("size_bytes", r.sizeBytes());
        m.put("table_count", r.tableCount());
        m.put("row_count", r.rowCount());
        m.put("counts", r.counts());
        m.put("parity", r.parity());
        m.put("rto_seconds", r.rtoSeconds());
        m.put("error", r.error());
        m.put("instance", r.instance());
        m.put("started_at", r.startedAt());
        m.put("finished_at", r.finishedAt());
        m.put("duration_seconds", r.durationSeconds());
        return m;
    }
}
