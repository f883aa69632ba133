package com.levqor.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.config.HttpSettings;
import com.levqor.ops.ErrorReporter;
import com.levqor.runtime.Service;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.json.JavalinJackson;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Javalin 7 server on Jetty 12: thread pool, body cap, the edge chain's adapters (the Javalin
 * filters and the direct routes in front of Javalin), JSON errors, request metrics and access log,
 * graceful stop. The route table itself is {@link Api}.
 */
public final class HttpServer implements Service {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    private final Javalin app;
    private final HttpSettings settings;
    private final Api api;
    private final AtomicReference<Server> jetty = new AtomicReference<>();

    /**
     * @param extraRoutes further routes (tests add failing or slow ones)
     * @param direct      hot routes served in front of Javalin ({@link DirectRoute}); each also stays
     *                    registered in {@code api}, which serves what they pass on
     * @param status      the status routes served on the selector from prepared bytes, or empty (Javalin
     *                    serves them, as it serves what they pass on)
     */
    public HttpServer(HttpSettings settings, ObjectMapper mapper, ErrorReporter reporter, HttpEdge edge,
                      List<Consumer<RoutesConfig>> extraRoutes, List<DirectRoute> direct, Optional<StatusRoutes> status,
                      Api api) {
        this.settings = settings;
        this.api = api;
        EdgeFilters filters = new EdgeFilters(edge.chain(), edge.securityHeaderFields());
        ErrorMapping errors = new ErrorMapping(reporter, edge.chain().bodyLimits(), filters);
        this.app = Javalin.create(cfg -> {
            configure(cfg, settings, mapper, edge, errors, filters, extraRoutes, direct, status, api);
            cfg.jetty.modifyServer(jetty::set);
        });
    }

    private static void configure(JavalinConfig cfg, HttpSettings settings, ObjectMapper mapper, HttpEdge edge,
                                  ErrorMapping errors, EdgeFilters filters, List<Consumer<RoutesConfig>> extraRoutes,
                                  List<DirectRoute> direct, Optional<StatusRoutes> status, Api api) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.jsonMapper(new JavalinJackson(mapper, false));
        cfg.http.maxRequestSize = settings.maxBodyBytes();
        cfg.http.prefer405over404 = true;
        cfg.http.generateEtags = false;
        cfg.router.ignoreTrailingSlashes = true;
        cfg.jetty.host = settings.host();
        cfg.jetty.port = settings.port();
        QueuedThreadPool pool = JettyInternals.pool(settings.maxThreads(), Math.min(8, settings.maxThreads()), 60_000);
        pool.setName("levqor-http");
        cfg.jetty.threadPool = pool;
        long minDataRate = edge.chain().bodyLimits().minBytesPerSecond();
        cfg.jetty.modifyHttpConfiguration(http -> {
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            if (minDataRate > 0) {
                http.setMinRequestDataRate(minDataRate); // the servlet layer holds Javalin's routes to it
            }
        });
        cfg.jetty.modifyServer(server -> {
            // Graceful stop: close the connectors, let in-flight requests finish within the grace period.
            // Javalin puts its servlet context inside the innermost wrapper: after the direct routes.
            // The front runs on the selector and hands what may block to the pool (see SelectorFront).
            GracefulHandler graceful = new GracefulHandler();
            List<SelectorFront.Inline> inline = new ArrayList<>(direct);
            status.ifPresent(inline::add);
            SelectorFront front = new SelectorFront(inline, pool);
            graceful.setHandler(front);
            Handler.Wrapper innermost = front;
            for (DirectRoute route : direct) {
                innermost.setHandler(route);
                innermost = route;
            }
            server.setHandler(graceful);
            server.setStopTimeout(settings.shutdownGraceMillis());
            server.setErrorHandler(JettyInternals.errorHandler(edge.securityHeaderFields()));
        });
        cfg.router.javaLangErrorHandler((res, error) -> log.error("Fatal error while serving a request", error));
        RequestObserver observer = edge.observer();
        cfg.requestLogger.http((ctx, ms) -> observer.observe(ctx.req().getMethod(), ctx.path(), Routes.template(ctx),
                ctx.statusCode(), ms, RequestIds.of(ctx), ErrorMapping.alreadyReported(ctx),
                ErrorMapping.errorCode(ctx)));

        RoutesConfig routes = cfg.routes;
        errors.register(routes);
        filters.register(routes);
        extraRoutes.forEach(r -> r.accept(routes));
        api.register(routes);
    }

    /** The system property through which Jetty's MemoryUtils takes the number of references in a cache line. */
    static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    /**
     * Tells Jetty, before its first server or client asks, how many object references fill a cache
     * line (it pads its concurrent queues with it). Jetty's MemoryUtils otherwise makes the platform
     * MBean server to ask whether references are compressed, some 30 ms of a fresh JVM's start on
     * the thread that builds the HTTP server; the HotSpot diagnostic bean alone answers in a few.
     * Jetty's own answer when the property was set first, or when this JVM has no such bean.
     */
    public static void presetJettyCacheLine() {
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
            referencesPerCacheLine().ifPresent(n -> System.setProperty(REFERENCES_PER_CACHE_LINE, Integer.toString(n)));
        }
    }

    /** What Jetty's MemoryUtils computes: the cache line's bytes over a reference's (4 when compressed, else 8). */
    static Optional<Integer> referencesPerCacheLine() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            boolean compressed = Boolean.parseBoolean(hotspot.getVMOption("UseCompressedOops").getValue());
            int lineBytes = Integer.getInteger("org.eclipse.jetty.util.cacheLineBytes", 64);
            return Optional.of(lineBytes / (compressed ? 4 : 8));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void start() {
        app.start();
        log.info("Levqor listening on http://{}:{}", settings.host(), app.port());
        if (!servesOnSelector()) {
            log.warn("A blocking handler sits above the front: every request waits for a pool thread (slower intake)");
        }
    }

    public int port() {
        return app.port();
    }

    /** The route table as registered ({@link Api#routes()}); the extra routes tests add are not in it. */
    public List<RouteTable.Route> routes() {
        return api.routes();
    }

    /**
     * Whether the started server's handler tree is non-blocking as a whole, so Jetty calls it on the
     * selector and the direct routes are served there ({@link SelectorFront}). False means a handler
     * added above the front, or a default handler, blocks: every request then waits for a pool thread.
     */
    public boolean servesOnSelector() {
        Server server = jetty.get();
        return server != null && server.getInvocationType() == Invocable.InvocationType.NON_BLOCKING;
    }

    /** Stops accepting, lets in-flight requests finish (bounded by SHUTDOWN_GRACE_MS), then stops. */
    @Override
    public void close() {
        app.stop();
    }
}
