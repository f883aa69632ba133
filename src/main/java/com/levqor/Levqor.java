package com.levqor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.accounts.AccountHandlers;
import com.levqor.accounts.AccountService;
import com.levqor.backups.BackupHandlers;
import com.levqor.backups.BackupMetrics;
import com.levqor.backups.BackupRunner;
import com.levqor.backups.BackupRuns;
import com.levqor.backups.BackupSchedule;
import com.levqor.backups.BackupStatus;
import com.levqor.backups.PgTarget;
import com.levqor.backups.ReportedBackupAlerts;
import com.levqor.billing.BillingEffects;
import com.levqor.billing.BillingHandlers;
import com.levqor.billing.BillingMetrics;
import com.levqor.billing.BillingService;
import com.levqor.billing.StripeGateway;
import com.levqor.connectors.ConnectorHandlers;
import com.levqor.connectors.Connectors;
import com.levqor.email.DeadLetterAlerts;
import com.levqor.email.EmailDelivery;
import com.levqor.email.EmailHandlers;
import com.levqor.runtime.Scheduler;
import com.levqor.status.StatusPage;
import com.levqor.webhooks.StripeEvents;
import com.levqor.config.Settings;
import com.levqor.crypto.AdminKey;
import com.levqor.db.Database;
import com.levqor.db.PoolMetrics;
import com.levqor.http.Api;
import com.levqor.http.DirectRoute;
import com.levqor.http.HttpServer;
import com.levqor.api.Json;
import com.levqor.api.JsonBody;
import com.levqor.jobs.JobHandlers;
import com.levqor.jobs.Jobs;
import com.levqor.jobs.QueueOpsHandlers;
import com.levqor.http.EdgeGuards;
import com.levqor.http.IntakeRoute;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.HealthService;
import com.levqor.ops.LogSetup;
import com.levqor.ops.Metrics;
import com.levqor.ops.OpsHandlers;
import com.levqor.redis.RedisConnections;
import java.util.Optional;
import java.time.Clock;
import io.javalin.config.RoutesConfig;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of one {@code levqor serve} process: builds every service with {@code new},
 * passes dependencies through constructors, and shuts down in reverse order.
 */
public final class Levqor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Levqor.class);

    private final Settings settings;
    private final Metrics metrics;
    private final ErrorReporter reporter;
    private final Database database;
    private final Optional<RedisConnections> redis;
    private final AccountService accounts;
    private final Jobs jobs;
    private final HttpServer http;
    private final List<DirectRoute> directRoutes;
    private final Scheduler scheduler = new Scheduler();
    private final EmailDelivery email;

    private Levqor(Settings settings, Clock clock, List<Consumer<RoutesConfig>> extraFilters, boolean directRoutes) {
        long start = System.nanoTime();
        this.settings = settings;
        LogSetup.configure(settings.ops().logDir(), settings.ops().errorLogMaxBytes());
        this.metrics = new Metrics();
        this.reporter = new ErrorReporter(metrics, settings.ops().sentryDsn(), Version.get(),
                settings.ops().errorReportsPerMinute(), clock);
        this.database = Database.open(settings.database(), new PoolMetrics(metrics.registry()));
        this.redis = redisWanted(settings) ? RedisConnections.open(settings.redis()) : Optional.empty();
        EdgeGuards edgeGuards;
        try {
            int ran = database.migrate();
            if (ran > 0) {
                log.info("Applied {} database migration(s)", ran);
            }
            ObjectMapper mapper = Json.newMapper();
            JsonBody json = new JsonBody(mapper);
            this.accounts = new AccountService(database.dsl(), clock);
            HealthService health = new HealthService(database, metrics, Version.get());
            BackupRuns backupRuns = new BackupRuns(database.dsl());
            BackupStatus backupStatus = new BackupStatus(backupRuns, new BackupMetrics(metrics.registry()), clock,
                    settings.backups().enabled());
            health.register(backupStatus);
            if (settings.backups().enabled()) {
                scheduler.add(new BackupSchedule(new BackupRunner(settings.backups(), PgTarget.of(settings.database(),
                        database.embedded()), backupRuns, new ReportedBackupAlerts(reporter), backupStatus, clock),
                        settings.backups(), clock));
            }
            Connectors connectors = new Connectors(settings, clock);
            connectors.register(metrics, health);
            this.email = new EmailDelivery(settings.email(), database, clock, mapper, metrics, connectors.resend(),
                    scheduler);
            connectors.outboxFrom(email::figures);
            StripeGateway stripe = new StripeGateway(settings.billing(), connectors.stripe(), mapper);
            BillingEffects billingEffects = new BillingEffects(email.outbox(), clock);
            StripeEvents stripeEvents = new StripeEvents(billingEffects, stripe, new BillingMetrics(metrics), email::wake);
            BillingService billing = new BillingService(settings.billing(), stripe, billingEffects, database.dsl(), clock);
            AdminKey adminKey = new AdminKey(settings.ops().adminKey());
            Jobs startedJobs = new Jobs(settings, database, clock, mapper, metrics, reporter, health, true, redis,
                    DeadLetterAlerts.of(settings.email(), email.outbox()));
            try {
                edgeGuards = new EdgeGuards(settings, database.dsl(), metrics, reporter, clock, adminKey, accounts,
                        health, mapper, startedJobs::queueHealth, redis, stripeEvents);
                edgeGuards.duties().forEach(scheduler::add);
                redis.ifPresent(r -> r.health().start());
                startedJobs.start();
                JobHandlers jobHandlers = new JobHandlers(startedJobs, json, mapper);
                StatusPage status = new StatusPage(settings.status(), settings.billing().publicBaseUrl(), database,
                        health, email.outbox(), email::wake, clock, mapper, scheduler);
                Api api = new Api(new OpsHandlers(health, metrics, clock), new AccountHandlers(accounts, json),
                        jobHandlers, new QueueOpsHandlers(startedJobs, json),
                        edgeGuards.flags(), edgeGuards.abuse(), edgeGuards.webhooks(), new BillingHandlers(billing),
                        new EmailHandlers(email), new ConnectorHandlers(connectors),
                        new BackupHandlers(backupRuns, settings.backups(), clock), status.incidentHandlers(),
                        status.statusHandlers());
                DirectRoute.Shared direct = edgeGuards.direct(json, mapper, reporter);
                this.directRoutes = directRoutes ? List.of(new IntakeRoute(startedJobs, jobHandlers, direct)) : List.of();
                this.http = new HttpServer(settings.http(), mapper, reporter, edgeGuards, extraFilters, this.directRoutes,
                        api);
                http.start();
                scheduler.start();
            } catch (RuntimeException e) {
                scheduler.close();
                startedJobs.close();
                throw e;
            }
            this.jobs = startedJobs;
        } catch (RuntimeException e) {
            scheduler.close();
            redis.ifPresent(RedisConnections::close);
            database.close();
            reporter.close();
            throw e;
        }
        log.info("Levqor {} started in {} ms (database: {})", Version.get(), (System.nanoTime() - start) / 1_000_000,
                database.description());
    }

    /** Redis is connected when REDIS_URL is set and something here uses it (the queue, shared limits or counts). */
    static boolean redisWanted(Settings settings) {
        return settings.redis().url().isPresent()
                && (settings.flags().newQueue() || settings.flags().rateLimit() || settings.flags().abuseGuards());
    }

    /** Starts a whole server process: database, migrations, HTTP. */
    public static Levqor start(Settings settings, Clock clock) {
        return new Levqor(settings, clock, List.of(), true);
    }

    /** As {@link #start(Settings, Clock)}, with extra routes (tests add failing routes). */
    public static Levqor start(Settings settings, Clock clock, List<Consumer<RoutesConfig>> extraFilters) {
        return new Levqor(settings, clock, extraFilters, true);
    }

    /**
     * As {@link #start(Settings, Clock)}, with extra routes (tests add failing routes), and, for tests
     * that compare the two HTTP paths, without the direct routes (Javalin then serves every request).
     */
    public static Levqor start(Settings settings, Clock clock, List<Consumer<RoutesConfig>> extraFilters,
                               boolean directRoutes) {
        return new Levqor(settings, clock, extraFilters, directRoutes);
    }

    public int port() {
        return http.port();
    }

    public Settings settings() {
        return settings;
    }

    public Database database() {
        return database;
    }

    public AccountService accounts() {
        return accounts;
    }

    public Metrics metrics() {
        return metrics;
    }

    public Jobs jobs() {
        return jobs;
    }

    /** The email outbox and its sender. */
    public EmailDelivery email() {
        return email;
    }

    /** The hot routes served in front of Javalin. */
    public List<DirectRoute> directRoutes() {
        return directRoutes;
    }

    /** Whether Jetty calls the handler tree on its selector, where direct routes are served inline. */
    public boolean httpServesOnSelector() {
        return http != null && http.servesOnSelector();
    }

    /**
     * Stops in reverse order: HTTP (draining in-flight requests), jobs, then the pool and embedded
     * Postgres; last, writes out the lines app.log still buffers (the process may end right after).
     */
    @Override
    public void close() {
        log.info("Levqor stopping");
        try {
            stopServices();
            log.info("Levqor stopped");
        } finally {
            LogSetup.flush();
        }
    }

    private void stopServices() {
        try {
            try {
                http.stop();
            } finally {
                scheduler.close();
                jobs.close();
            }
        } finally {
            redis.ifPresent(RedisConnections::close);
            database.close();
            reporter.close();
        }
    }
}
