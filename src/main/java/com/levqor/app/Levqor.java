package com.levqor.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.abuse.AbuseBlocks;
import com.levqor.abuse.AbuseBlocksRefresh;
import com.levqor.abuse.AbuseHandlers;
import com.levqor.accounts.AccountHandlers;
import com.levqor.accounts.AccountService;
import com.levqor.api.Json;
import com.levqor.api.JsonBody;
import com.levqor.backups.BackupFailureEmails;
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
import com.levqor.config.EdgeSettings;
import com.levqor.config.Flags;
import com.levqor.config.QueueSettings;
import com.levqor.config.Settings;
import com.levqor.connectors.ConnectorHandlers;
import com.levqor.connectors.Connectors;
import com.levqor.crypto.AdminKey;
import com.levqor.db.Database;
import com.levqor.db.Migrations;
import com.levqor.db.PoolMetrics;
import com.levqor.db.SchemaProbe;
import com.levqor.edge.AbuseGuard;
import com.levqor.edge.Authentication;
import com.levqor.edge.BodyLimits;
import com.levqor.edge.ClientIp;
import com.levqor.edge.Cors;
import com.levqor.edge.EdgeChain;
import com.levqor.edge.RateLimitBuckets;
import com.levqor.edge.RateLimits;
import com.levqor.edge.SecurityHeaders;
import com.levqor.email.DeadLetterAlerts;
import com.levqor.email.EmailDelivery;
import com.levqor.email.EmailHandlers;
import com.levqor.email.Outbox;
import com.levqor.http.Api;
import com.levqor.http.DirectRoute;
import com.levqor.http.HttpEdge;
import com.levqor.http.HttpServer;
import com.levqor.http.IntakeRoute;
import com.levqor.http.StatusRoutes;
import com.levqor.http.RouteTable;
import com.levqor.jobs.DeadJobListener;
import com.levqor.jobs.Intake;
import com.levqor.jobs.JobExecutor;
import com.levqor.jobs.JobHandlers;
import com.levqor.jobs.JobMetrics;
import com.levqor.jobs.JobStore;
import com.levqor.jobs.Jobs;
import com.levqor.jobs.QueueCounts;
import com.levqor.jobs.QueueHealth;
import com.levqor.jobs.QueueOpsHandlers;
import com.levqor.jobs.RetryPolicy;
import com.levqor.jobs.Worker;
import com.levqor.jobs.callbacks.CallbackDelivery;
import com.levqor.jobs.callbacks.CallbackSender;
import com.levqor.jobs.callbacks.WebhookSigner;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.jobs.queue.RedisQueue;
import com.levqor.jobs.sweeper.Sweeper;
import com.levqor.jobs.workflows.Workflows;
import com.levqor.net.Egress;
import com.levqor.ops.EdgeMetrics;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.FlagsHandler;
import com.levqor.ops.HealthService;
import com.levqor.ops.Liveness;
import com.levqor.ops.LogFiles;
import com.levqor.ops.LogSetup;
import com.levqor.ops.Metrics;
import com.levqor.ops.OpsHandlers;
import com.levqor.ops.ProbeHandlers;
import com.levqor.ops.Readiness;
import com.levqor.redis.RedisConnections;
import com.levqor.runtime.Background;
import com.levqor.runtime.Heartbeat;
import com.levqor.runtime.Lifecycle;
import com.levqor.runtime.Scheduler;
import com.levqor.runtime.Version;
import com.levqor.status.StatusPage;
import com.levqor.usage.UsageLedger;
import com.levqor.webhooks.SlackStatus;
import com.levqor.webhooks.StripeEvents;
import com.levqor.webhooks.WebhookEvents;
import com.levqor.webhooks.WebhookHandlers;
import io.javalin.config.RoutesConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.flywaydb.core.api.MigrationVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds one process from {@link Settings}, every part by constructor, in
 * one place. Each part with threads, sockets or a pool goes on one {@link Lifecycle} as it is built;
 * once all are built the lifecycle starts them in order, and {@link #close()} closes them in
 * reverse:
 * <pre>
 *   reporter, egress, database, redis, dispatcher, scheduler, worker, intake, readiness probe, http
 * </pre>
 * so HTTP stops taking requests first, intake drains, workers finish (the lease keeper, a duty of
 * the scheduler, renews their leases until then), the duties stop (callbacks before the egress
 * client they use), and the pools close last. Background duties (sweeper, callbacks, lease keeper,
 * email sender, backup schedule, status sampler, abuse-block refresh) run on the one scheduler.
 *
 * <p>For a quick cold start the database opens (pool, schema check, migrations) on a thread of its
 * own ({@link Background}) while the parts that do not need it are built; the outbound client, the
 * JVM's metrics and the job statements are made once the server answers ({@link #afterStart}), and
 * the duties hold their first round until a second after every part has started.
 *
 * <p>Two roles: {@link Role#SERVE} ({@code levqor serve}: HTTP, intake, workers when
 * {@code WORKER_CONCURRENCY} &gt; 0, every duty) and {@link Role#WORKER} ({@code levqor worker}:
 * workers, the job duties and callbacks; no HTTP).
 */
public final class Levqor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Levqor.class);
    /**
     * How long after the server has started the background duties run their first round: a fresh JVM
     * answers its first requests in its interpreter, and a dozen first rounds at that moment (queries,
     * the status page, the backup tools' check) took the cores from them (the first answer 60-75 ms
     * instead of 100-145). The lease renewal and the liveness heartbeat are not deferred
     * ({@code Duty#deferrable}); nothing of the others is due sooner: abuse blocks are loaded before the
     * server starts, and intake dispatches without them.
     */
    static final Duration FIRST_ROUNDS_AFTER = Duration.ofSeconds(1);

    /** What a process does. */
    public enum Role {
        /** {@code levqor serve}: the HTTP API with intake, workers and every background duty. */
        SERVE,
        /** {@code levqor worker}: workers, sweeper and callbacks only, to scale out. */
        WORKER
    }

    private final Lifecycle lifecycle = new Lifecycle();
    private final Settings settings;
    private final Metrics metrics = new Metrics();
    private final Database database;
    private final Jobs jobs;
    private final AccountService accounts;
    private final EmailDelivery email;
    private final HttpServer http;
    private final List<DirectRoute> directRoutes;
    private final Optional<StatusRoutes> statusRoutes;
    /** {@code /readyz}, turned to draining by {@link #drain}; null in a worker. */
    private final Readiness readiness;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Levqor(Settings settings, Clock clock, Role role, List<Consumer<RoutesConfig>> extraRoutes,
                   boolean withDirectRoutes) {
        long begin = System.nanoTime();
        this.settings = settings;
        LogSetup.configure(settings.ops().logDir(), settings.ops().errorLogMaxBytes(), settings.ops().logFormat());
        // The database opens (pool, schema check, migrations) on a thread of its own while the parts that do not
        // need it are built here: the cold start waits for the slower of the two, not for both.
        Background<Database> opening = Background.start("database", () -> {
            Database db = Database.open(settings.database(), new PoolMetrics(metrics.registry()));
            try {
                migrate(db);
                return db;
            } catch (RuntimeException | Error e) {
                db.close();
                throw e;
            }
        });
        // Beside the rest (nothing waits for it): Jetty's cache-line question answered before Jetty asks it the slow
        // way, and the list of locales made (its first use takes some 20 ms; Jetty's MimeTypes and Jackson read it).
        Background.start("jdk", () -> {
            HttpServer.presetJettyCacheLine();
            return Locale.getAvailableLocales();
        });
        Database opened = null;
        try {
            ObjectMapper mapper = Json.newMapper();
            ErrorReporter reporter = lifecycle.add("reporter", new ErrorReporter(metrics, settings.ops().sentryDsn(),
                    Version.get(), settings.ops().errorReportsPerMinute(), clock));
            Egress egress = lifecycle.add("egress", new Egress(settings.queue().httpAllowedHosts()));
            Scheduler scheduler = new Scheduler();
            scheduler.holdFirstRounds(); // released FIRST_ROUNDS_AFTER every part has started
            // The log files: checked and repaired every second; their state on /ops/uptime and /metrics.
            LogFiles logFiles = new LogFiles(metrics);
            scheduler.add(logFiles.repair());
            // Made here while the database opens rather than after it. Nothing here touches jOOQ before the join: the
            // opening initializes its classes on a thread of its own (see Database.open).
            MigrationVersion expected = Migrations.expectedVersion();
            opened = lifecycle.add("database", opening.join());
            this.database = opened;
            Optional<RedisConnections> redis = role == Role.WORKER || redisWanted(settings)
                    ? RedisConnections.open(settings.redis()) : Optional.empty();
            redis.ifPresent(r -> lifecycle.add("redis", r));
            redis.ifPresent(r -> lifecycle.add("redis health", r.health()));
            Outbox outbox = new Outbox(database.dsl(), clock, mapper);
            JobParts parts = jobs(settings, clock, role, database, redis, egress, scheduler, mapper, reporter,
                    DeadLetterAlerts.of(settings.email(), outbox));
            lifecycle.add("dispatcher", parts.dispatcher());
            lifecycle.add("scheduler", scheduler);
            parts.worker().ifPresent(w -> lifecycle.add("worker", w));
            parts.intake().ifPresent(i -> lifecycle.add("intake", i));
            this.jobs = parts.jobs();
            this.accounts = new AccountService(database.dsl(), clock);
            if (role == Role.SERVE) {
                // Probes: liveness from the scheduler's heartbeat, readiness from the database on its own connection.
                Heartbeat heartbeat = new Heartbeat(clock);
                scheduler.add(heartbeat);
                SchemaProbe schemaProbe = lifecycle.add("readiness probe", database.schemaProbe());
                this.readiness = new Readiness(schemaProbe, expected, clock);
                ProbeHandlers probes = new ProbeHandlers(new Liveness(heartbeat), readiness);
                HealthService health = new HealthService(database, metrics, Version.get());
                parts.queueHealth().checks().forEach(health::register);
                Connectors connectors = new Connectors(settings, clock);
                connectors.register(metrics, health);
                health.register(logFiles);
                this.email = new EmailDelivery(settings.email(), database, clock, mapper, metrics, connectors.resend(),
                        scheduler);
                Http built = http(settings, clock, mapper, reporter, health, probes, connectors, redis, scheduler,
                        extraRoutes, withDirectRoutes);
                this.http = lifecycle.add("http", built.server());
                this.directRoutes = built.directRoutes();
                this.statusRoutes = built.statusRoutes();
            } else {
                this.email = null;
                this.http = null;
                this.directRoutes = List.of();
                this.statusRoutes = Optional.empty();
                this.readiness = null;
            }
            lifecycle.start();
            scheduler.releaseFirstRounds(FIRST_ROUNDS_AFTER);
            afterStart(egress);
        } catch (RuntimeException | Error e) {
            lifecycle.close();
            if (opened == null) {
                closeWhenOpened(opening);
            }
            LogSetup.flush();
            throw e;
        }
        log.info("Levqor {} {} started in {} ms (database: {}; parts: {})", Version.get(),
                role.name().toLowerCase(Locale.ROOT), (System.nanoTime() - begin) / 1_000_000,
                database.description(), String.join(", ", lifecycle.names()));
    }

    /**
     * Work nothing needs to answer, done once the server answers, one piece after the other (on two
     * cores, beside the start, each took a core from it): the outbound client and its trust store
     * (which, when it cannot start, still stops the start), the JVM's metrics, and the job statements.
     * Whatever needs one of them earlier makes it then.
     */
    private void afterStart(Egress egress) {
        egress.awaitStarted();
        metrics.awaitJvmMetrics();
        jobs.prepareStatements();
    }

    // ---------------------------------------------------------------------------------------------
    // Entry points

    /** Starts a whole server process: database, migrations, jobs, HTTP. */
    public static Levqor start(Settings settings, Clock clock) {
        return new Levqor(settings, clock, Role.SERVE, List.of(), true);
    }

    /** As {@link #start(Settings, Clock)}, with extra routes (tests add failing routes). */
    public static Levqor start(Settings settings, Clock clock, List<Consumer<RoutesConfig>> extraRoutes) {
        return new Levqor(settings, clock, Role.SERVE, extraRoutes, true);
    }

    /**
     * As {@link #start(Settings, Clock)}, with extra routes (tests add failing routes), and, for tests
     * that compare the two HTTP paths, without the direct routes (Javalin then serves every request).
     */
    public static Levqor start(Settings settings, Clock clock, List<Consumer<RoutesConfig>> extraRoutes,
                               boolean directRoutes) {
        return new Levqor(settings, clock, Role.SERVE, extraRoutes, directRoutes);
    }

    /** Starts a worker process ({@code levqor worker}): workers, sweeper and callbacks, no HTTP. */
    public static Levqor worker(Settings settings, Clock clock) {
        return new Levqor(settings, clock, Role.WORKER, List.of(), false);
    }

    /**
     * Redis is connected when REDIS_URL or REDIS_SENTINELS is set and something here uses it (the queue, shared
     * limits or counts).
     */
    static boolean redisWanted(Settings settings) {
        return settings.redis().configured()
                && (settings.flags().newQueue() || settings.flags().rateLimit() || settings.flags().abuseGuards());
    }

    /** Closes a database still opening when the start failed (the start's own failure is the one reported). */
    private static void closeWhenOpened(Background<Database> opening) {
        try {
            opening.join().close();
        } catch (RuntimeException | Error ignored) {
            // it failed to open: nothing to close
        }
    }

    private static void migrate(Database database) {
        int ran = database.migrateIfBehind();
        if (ran > 0) {
            log.info("Applied {} database migration(s)", ran);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Jobs: store, dispatcher, worker, intake, sweeper, callbacks

    private record JobParts(Jobs jobs, Dispatcher dispatcher, Optional<Worker> worker, Optional<Intake> intake,
                            QueueHealth queueHealth) {
    }

    private JobParts jobs(Settings settings, Clock clock, Role role, Database database,
                          Optional<RedisConnections> redis, Egress egress, Scheduler scheduler, ObjectMapper mapper,
                          ErrorReporter reporter, DeadJobListener onDead) {
        QueueSettings queue = settings.queue();
        JobStore store = new JobStore(database.dsl(), onDead);
        // The sweeper and the callback senders run on the sweeper role's connections (its statement timeout).
        JobStore background = new JobStore(database.dsl(Database.Role.SWEEPER), onDead);
        Workflows workflows = Workflows.discover();
        QueueCounts counts = new QueueCounts(store, clock);
        JobMetrics jobMetrics = new JobMetrics(metrics.registry(), counts);
        boolean localWorkers = queue.workerConcurrency() > 0;
        String owner = Worker.newOwner();
        Optional<RedisQueue> redisQueue = redis.map(r -> new RedisQueue(r, owner));
        Dispatcher dispatcher = new Dispatcher(redisQueue, redis.map(RedisConnections::health),
                settings.flags().newQueue(), new LocalQueue(queue.syncQueueMaxJobs()), localWorkers,
                jobMetrics::queueState);
        RetryPolicy retries = new RetryPolicy(queue.retryBaseMillis(), queue.retryMaxMillis());
        Runnable callbackWake = CallbackSender.schedule(scheduler, queue.callbackSenders(), background,
                new CallbackDelivery(background, egress, new WebhookSigner(callbackSecret(queue)), mapper, clock,
                        queue.callbackMaxAttempts(), retries, Duration.ofSeconds(queue.callbackTimeoutSeconds())),
                clock);
        Sweeper.schedule(scheduler, background, dispatcher, jobMetrics, reporter, clock,
                Duration.ofMillis(queue.sweepIntervalMillis()), Duration.ofMillis(queue.redispatchAfterMillis()),
                callbackWake);
        Optional<Worker> worker = Optional.empty();
        if (localWorkers) {
            Worker w = new Worker(owner, store, dispatcher, queue, clock, jobMetrics,
                    new JobExecutor(workflows, mapper, egress, retries, clock, jobMetrics), reporter, callbackWake);
            scheduler.add(w.leaseKeeper()); // the scheduler closes after the worker: leases renewed until it stops
            worker = Optional.of(w);
        }
        UsageLedger usage = new UsageLedger(database.dsl(), clock, queue);
        Optional<Intake> intake = role == Role.SERVE
                ? Optional.of(new Intake(database.dsl(), clock, store, usage, dispatcher, jobMetrics))
                : Optional.empty();
        QueueHealth queueHealth = new QueueHealth(dispatcher, counts);
        return new JobParts(new Jobs(queue, clock, store, workflows, jobMetrics, dispatcher, usage, queueHealth,
                intake, worker), dispatcher, worker, intake, queueHealth);
    }

    private static String callbackSecret(QueueSettings queue) {
        return queue.callbackSecret().orElseGet(() -> {
            log.warn("CALLBACK_SIGNING_SECRET is not set: callbacks are signed with a random secret of this process, "
                    + "which receivers cannot verify; set it to a whsec_… secret");
            return WebhookSigner.randomSecret();
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Connectors (Stripe, Resend, Slack, Sentry) and HTTP with its edge

    /** The HTTP server and the direct and status routes served in front of it. */
    private record Http(HttpServer server, List<DirectRoute> directRoutes, Optional<StatusRoutes> statusRoutes) {
    }

    private Http http(Settings settings, Clock clock, ObjectMapper mapper, ErrorReporter reporter,
                      HealthService health, ProbeHandlers probes, Connectors connectors,
                      Optional<RedisConnections> redis, Scheduler scheduler, List<Consumer<RoutesConfig>> extraRoutes,
                      boolean withDirectRoutes) {
        Flags flags = settings.flags();
        EdgeSettings edge = settings.edge();
        JsonBody json = new JsonBody(mapper);
        AdminKey adminKey = new AdminKey(settings.ops().adminKey());
        EdgeMetrics edgeMetrics = new EdgeMetrics(metrics);

        // Backups: the schedule on this process, the status on /ops/uptime, the runs on /ops/backups.
        BackupRuns backupRuns = new BackupRuns(database.dsl());
        BackupStatus backupStatus = new BackupStatus(backupRuns, new BackupMetrics(metrics.registry()), clock,
                settings.backups().enabled());
        health.register(backupStatus);
        if (settings.backups().enabled()) {
            scheduler.add(new BackupSchedule(new BackupRunner(settings.backups(), PgTarget.of(settings.database(),
                    database.embedded()), backupRuns, BackupFailureEmails.around(new ReportedBackupAlerts(reporter),
                    settings.email(), settings.backups(), backupRuns, email.outbox()),
                    backupStatus, clock), settings.backups(), clock));
        }

        // Billing: Stripe, its webhook effects, the emails they queue.
        StripeGateway stripe = new StripeGateway(settings.billing(), connectors.stripe(), mapper);
        BillingEffects billingEffects = new BillingEffects(email.outbox(), clock);
        StripeEvents stripeEvents = new StripeEvents(billingEffects, stripe, new BillingMetrics(metrics), email::wake);
        BillingService billing = new BillingService(settings.billing(), stripe, billingEffects, database.dsl(), clock);

        // The edge chain, each guard behind its runbook flag.
        ClientIp clientIp = new ClientIp(edge.trustedProxies());
        AbuseBlocks blocks = new AbuseBlocks(database.dsl(), clock, Duration.ofSeconds(edge.blockSeconds()),
                edge.escalateAfterBlocks(), Duration.ofSeconds(edge.escalatedBlockSeconds()));
        if (flags.abuseGuards()) {
            loadBlocks(blocks);
            scheduler.add(new AbuseBlocksRefresh(blocks));
        }
        AbuseGuard abuseGuard = new AbuseGuard(flags.abuseGuards(), edge, adminKey, blocks, clientIp, edgeMetrics,
                clock, redis);
        RateLimitBuckets buckets = new RateLimitBuckets(flags.rateLimit() ? redis : Optional.empty(), edgeMetrics);
        EdgeChain chain = new EdgeChain(new SecurityHeaders(flags.securityHeaders()),
                new Cors(edge.corsAllowedOrigins()),
                new BodyLimits(settings.http().maxBodyBytes(), flags.abuseGuards() ? edge.minRequestDataRate() : 0),
                abuseGuard, new RateLimits(flags.rateLimit(), edge, buckets, clientIp, edgeMetrics, clock),
                new Authentication(accounts, adminKey, abuseGuard), clientIp);
        HttpEdge httpEdge = new HttpEdge(chain, flags.securityHeaders(), metrics, edgeMetrics, reporter,
                settings.http().intakeMaxBytesInFlight());

        // The route table.
        StatusPage status = new StatusPage(settings.status(), settings.billing().publicBaseUrl(), database, health,
                email.outbox(), email::wake, clock, mapper, scheduler);
        JobHandlers jobHandlers = new JobHandlers(jobs, json, mapper);
        Api api = new Api(new OpsHandlers(health, metrics, clock), probes, new AccountHandlers(accounts, json), jobHandlers,
                new QueueOpsHandlers(jobs, new JobStore(database.dsl(Database.Role.ADMIN), DeadJobListener.NONE), json),
                new FlagsHandler(settings, () -> flags.rateLimit() ? buckets.store() : "off"),
                new AbuseHandlers(blocks, clock, abuseGuard::reset),
                new WebhookHandlers(flags.webhookVerifyAll(), edge, new WebhookEvents(database.dsl(), clock),
                        stripeEvents, new SlackStatus(statusFacts(health, jobs::queueHealth)), edgeMetrics, mapper,
                        clock, accounts::clearCache),
                new BillingHandlers(billing), new EmailHandlers(email), new ConnectorHandlers(connectors, email::figures),
                new BackupHandlers(new BackupRuns(database.dsl(Database.Role.ADMIN)), settings.backups(), clock), status.incidentHandlers(),
                status.statusHandlers());
        List<DirectRoute> direct = withDirectRoutes
                ? List.of(new IntakeRoute(jobs, jobHandlers, httpEdge.direct(json, mapper)))
                : List.of();
        Optional<StatusRoutes> statusRoutes = withDirectRoutes
                ? Optional.of(new StatusRoutes(status.statusHandlers(), httpEdge.direct(json, mapper)))
                : Optional.empty();
        return new Http(new HttpServer(settings.http(), mapper, reporter, httpEdge, extraRoutes, direct, statusRoutes,
                api), direct, statusRoutes);
    }

    /** The first copy of the blocks, before the first request; the refresh duty keeps it fresh. */
    private static void loadBlocks(AbuseBlocks blocks) {
        try {
            blocks.refresh();
        } catch (RuntimeException e) {
            log.warn("Could not load the abuse blocks ({}); they apply once the database answers", e.getMessage());
        }
    }

    /** The status facts of Slack's {@code /levqor status}: the uptime probe and the queue's health. */
    private static Supplier<Map<String, Object>> statusFacts(HealthService health,
                                                             Supplier<Map<String, Object>> queueFacts) {
        return () -> {
            HealthService.Uptime u = health.uptime();
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("status", u.status());
            facts.put("services", u.services());
            facts.put("queue", queueFacts.get());
            facts.put("version", u.version());
            return facts;
        };
    }

    // ---------------------------------------------------------------------------------------------
    // What tests and commands read

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

    /** The email outbox and its sender (serve only). */
    public EmailDelivery email() {
        return email;
    }

    /** The route table as the HTTP server registered it (serve only; empty for a worker). */
    public List<RouteTable.Route> routes() {
        return http == null ? List.of() : http.routes();
    }

    /** The hot routes served in front of Javalin. */
    public List<DirectRoute> directRoutes() {
        return directRoutes;
    }

    /** The public status routes served on the selector from prepared bytes (empty without the direct routes, or in a worker). */
    public Optional<StatusRoutes> statusRoutes() {
        return statusRoutes;
    }

    /** Whether Jetty calls the handler tree on its selector, where direct routes are served inline. */
    public boolean httpServesOnSelector() {
        return http != null && http.servesOnSelector();
    }

    /** The parts of this process in the order they started (they close in reverse). */
    public List<String> parts() {
        return lifecycle.names();
    }

    /**
     * The drain before a graceful stop (SIGTERM): {@code /readyz} answers 503 {@code draining} at
     * once, while every other route is still served for {@code SHUTDOWN_DRAIN_MS}, so load balancers
     * see the instance leave and stop sending before it stops listening. Returns when the drain is
     * over, or earlier when {@code cutShort} is counted down (a second signal). A worker has nothing
     * to drain and returns at once.
     */
    public void drain(CountDownLatch cutShort) throws InterruptedException {
        if (readiness == null) {
            return;
        }
        long millis = settings.http().shutdownDrainMillis();
        readiness.startDraining(millis);
        if (millis == 0) {
            log.info("No drain (SHUTDOWN_DRAIN_MS=0): stopping now");
            return;
        }
        log.info("Draining for {} ms (SHUTDOWN_DRAIN_MS): /readyz answers 503, every other route is still served",
                millis);
        long start = System.nanoTime();
        boolean cut = cutShort.await(millis, TimeUnit.MILLISECONDS);
        log.info("Drain ended after {} ms{}; stopping gracefully", (System.nanoTime() - start) / 1_000_000,
                cut ? " (cut short by a second signal)" : "");
    }

    /**
     * Closes every part in reverse order (HTTP first, draining in-flight requests; the pool and
     * embedded Postgres last), then writes out the lines app.log still buffers (the process may end
     * right after). Idempotent: a second call returns at once.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("Levqor stopping");
        try {
            lifecycle.close();
            log.info("Levqor stopped");
        } finally {
            LogSetup.flush();
        }
    }
}
