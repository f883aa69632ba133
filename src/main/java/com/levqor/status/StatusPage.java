package com.levqor.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.api.JsonBody;
import com.levqor.config.StatusSettings;
import com.levqor.db.Database;
import com.levqor.db.LeaderLock;
import com.levqor.email.Outbox;
import com.levqor.ops.HealthService;
import com.levqor.runtime.Scheduler;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Incident communication and the public status page of one {@code serve} process, wired: the
 * incident and maintenance stores, the operator's endpoints, the snapshot the public endpoints serve
 * and its refresher, and the health sampler. With {@code STATUS_PAGE_ENABLED=false} the public
 * endpoints answer 404 and neither duty runs; the operator's endpoints work either way.
 */
public final class StatusPage {
    private final IncidentHandlers incidentHandlers;
    private final StatusHandlers statusHandlers;

    /**
     * @param publicBaseUrl {@code PUBLIC_BASE_URL}, the start of absolute links; empty: each request's host
     * @param wakeEmail     starts an email sending round (after notices were queued)
     */
    public StatusPage(StatusSettings settings, Optional<URI> publicBaseUrl, Database database, HealthService health,
                      Outbox outbox, Runnable wakeEmail, Clock clock, ObjectMapper mapper, Scheduler scheduler) {
        Mustaches templates = new Mustaches();
        IncidentStore incidentStore = new IncidentStore(database.dsl());
        MaintenanceStore maintenanceStore = new MaintenanceStore(database.dsl());
        UptimeHistory history = new UptimeHistory(database.dsl());
        Rendered css = StatusHandlers.stylesheet();
        StatusRenderer renderer = new StatusRenderer(templates, mapper, settings.title(), settings.sampleSeconds(),
                css.etag().replace("\"", ""));
        SnapshotRefresher refresher = new SnapshotRefresher(database, health, incidentStore, maintenanceStore, history, renderer, clock);
        Scheduler.Handle refresh = settings.enabled() ? scheduler.add(refresher) : () -> { };
        IncidentService incidents = new IncidentService(database.dsl(), incidentStore, maintenanceStore,
                new IncidentText(templates), clock, refresh::wake);
        this.incidentHandlers = new IncidentHandlers(incidents,
                new IncidentNotices(database.dsl(), incidentStore, outbox, wakeEmail), new JsonBody(mapper));
        this.statusHandlers = new StatusHandlers(settings.enabled(), refresher, publicBaseUrl, css);
        HealthSampler sampler = new HealthSampler(refresher, history,
                new LeaderLock(database.dataSource(), HealthSampler.LOCK_KEY, "samples health for the status page"),
                Duration.ofSeconds(settings.sampleSeconds()), clock);
        if (settings.enabled()) {
            scheduler.add(sampler);
        }
    }

    /** The operator's endpoints ({@code /ops/incidents}, {@code /ops/maintenance}). */
    public IncidentHandlers incidentHandlers() {
        return incidentHandlers;
    }

    /** The public endpoints ({@code /status}…). */
    public StatusHandlers statusHandlers() {
        return statusHandlers;
    }
}
