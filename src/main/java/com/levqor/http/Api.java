package com.levqor.http;

import com.levqor.abuse.AbuseHandlers;
import com.levqor.accounts.AccountHandlers;
import com.levqor.backups.BackupHandlers;
import com.levqor.billing.BillingHandlers;
import com.levqor.connectors.ConnectorHandlers;
import com.levqor.email.EmailHandlers;
import com.levqor.jobs.JobHandlers;
import com.levqor.jobs.QueueOpsHandlers;
import com.levqor.ops.FlagsHandler;
import com.levqor.ops.OpsHandlers;
import com.levqor.ops.ProbeHandlers;
import com.levqor.status.IncidentHandlers;
import com.levqor.status.StatusHandlers;
import com.levqor.webhooks.WebhookHandlers;
import io.javalin.config.RoutesConfig;
import java.util.List;

/**
 * The whole route table in one block. Every route names who may call it ({@link Access});
 * handlers stay thin. {@link #routes()} lists what {@link #register} registered, as it did it
 * ({@link RouteTable}); {@code src/main/resources/openapi.json} describes every one of them, and
 * {@code OpenApiRoutesTest} fails when the two differ.
 */
public final class Api {
    private final OpsHandlers ops;
    private final ProbeHandlers probes;
    private final AccountHandlers accounts;
    private final JobHandlers jobs;
    private final QueueOpsHandlers queue;
    private final FlagsHandler flags;
    private final AbuseHandlers abuse;
    private final WebhookHandlers webhooks;
    private final BillingHandlers billing;
    private final EmailHandlers emails;
    private final ConnectorHandlers connectors;
    private final BackupHandlers backups;
    private final IncidentHandlers incidents;
    private final StatusHandlers status;
    private final ApiDocument document = ApiDocument.load();
    private volatile List<RouteTable.Route> routes = List.of();

    public Api(OpsHandlers ops, ProbeHandlers probes, AccountHandlers accounts, JobHandlers jobs,
               QueueOpsHandlers queue, FlagsHandler flags, AbuseHandlers abuse, WebhookHandlers webhooks,
               BillingHandlers billing, EmailHandlers emails, ConnectorHandlers connectors, BackupHandlers backups,
               IncidentHandlers incidents, StatusHandlers status) {
        this.ops = ops;
        this.probes = probes;
        this.accounts = accounts;
        this.jobs = jobs;
        this.queue = queue;
        this.flags = flags;
        this.abuse = abuse;
        this.webhooks = webhooks;
        this.billing = billing;
        this.emails = emails;
        this.connectors = connectors;
        this.backups = backups;
        this.incidents = incidents;
        this.status = status;
    }

    void register(RoutesConfig config) {
        RouteTable r = new RouteTable(config);
        // Public: probes, status, metrics, this API's OpenAPI document.
        r.get("/ops/uptime", ops::uptime, Access.PUBLIC);
        r.get("/livez", probes::livez, Access.PUBLIC);
        r.get("/readyz", probes::readyz, Access.PUBLIC);
        r.get("/api/v1/status", ops::status, Access.PUBLIC);
        r.get("/metrics", ops::metrics, Access.PUBLIC);
        r.get("/openapi.json", document::serve, Access.PUBLIC);

        // API clients.
        r.get("/api/v1/account", accounts::me, Access.API_KEY);

        // Admin: accounts and API keys.
        r.post("/ops/accounts", accounts::create, Access.ADMIN);
        r.get("/ops/accounts", accounts::list, Access.ADMIN);
        r.post("/ops/accounts/{id}/keys", accounts::addKey, Access.ADMIN);
        r.delete("/ops/keys/{prefix}", accounts::revoke, Access.ADMIN);

        // Jobs: API clients see only their own jobs; queue health is public, the DLQ is the operator's.
        r.post("/api/v1/intake", jobs::intake, Access.API_KEY);
        r.post("/api/v1/intake/batch", jobs::intakeBatch, Access.API_KEY);
        r.get("/api/v1/status/{job_id}", jobs::status, Access.API_KEY);
        r.get("/api/v1/jobs", jobs::list, Access.API_KEY);
        r.post("/api/v1/jobs/{id}/cancel", jobs::cancel, Access.API_KEY);
        r.get("/api/v1/workflows", jobs::workflows, Access.API_KEY);
        r.get("/api/v1/usage", jobs::usage, Access.API_KEY);
        r.get("/ops/queue_health", queue::queueHealth, Access.PUBLIC);
        r.get("/ops/dlq", queue::list, Access.ADMIN);
        r.post("/ops/dlq/retry", queue::retry, Access.ADMIN);
        r.delete("/ops/dlq/{id}", queue::discard, Access.ADMIN);

        // Edge guards: signed webhooks (public: the signature is their credential), flags, abuse audit, webhook log.
        r.post("/webhooks/stripe", webhooks::stripe, Access.PUBLIC);
        r.post("/webhooks/slack", webhooks::slack, Access.PUBLIC);
        r.get("/ops/flags", flags::flags, Access.ADMIN);
        r.get("/ops/abuse/blocks", abuse::list, Access.ADMIN);
        r.delete("/ops/abuse/blocks/{id}", abuse::lift, Access.ADMIN);
        r.get("/ops/webhooks", webhooks::list, Access.ADMIN);

        // Billing (Stripe) for API clients; the email outbox and the external services for the operator.
        r.post("/api/v1/billing/checkout", billing::checkout, Access.API_KEY);
        r.post("/api/v1/billing/portal", billing::portal, Access.API_KEY);
        r.get("/api/v1/billing", billing::status, Access.API_KEY);
        r.get("/ops/emails", emails::list, Access.ADMIN);
        r.post("/ops/emails/retry", emails::retry, Access.ADMIN);
        r.get("/ops/connectors", connectors::connectors, Access.ADMIN);

        // Backups and restore drills: every run, newest first.
        r.get("/ops/backups", backups::list, Access.ADMIN);

        // Incidents: the operator announces and updates them; the public status page is served from memory.
        r.post("/ops/incidents", incidents::open, Access.ADMIN);
        r.get("/ops/incidents", incidents::list, Access.ADMIN);
        r.get("/ops/incidents/{id}", incidents::get, Access.ADMIN);
        r.post("/ops/incidents/{id}/updates", incidents::update, Access.ADMIN);
        r.post("/ops/incidents/{id}/notify", incidents::notify, Access.ADMIN);
        r.post("/ops/maintenance", incidents::schedule, Access.ADMIN);
        r.get("/ops/maintenance", incidents::maintenances, Access.ADMIN);
        r.delete("/ops/maintenance/{id}", incidents::cancelMaintenance, Access.ADMIN);
        r.get("/status", status::page, Access.PUBLIC);
        r.get("/status.json", status::json, Access.PUBLIC);
        r.get("/status/incidents/{id}", status::incident, Access.PUBLIC);
        r.get("/status/history.atom", status::atom, Access.PUBLIC);
        r.get("/status/badge.svg", status::badge, Access.PUBLIC);
        r.get("/status/style.css", status::css, Access.PUBLIC);
        routes = r.registered();
    }

    /** Every route {@link #register} registered (method, path template, access), in table order; empty before. */
    public List<RouteTable.Route> routes() {
        return routes;
    }
}
