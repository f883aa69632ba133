package com.levqor.http;

import com.levqor.api.ApiException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.config.HttpSettings;
import com.levqor.http.filters.Authentication;
import com.levqor.ops.ErrorReporter;
import com.levqor.ops.Metrics;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import java.util.List;
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
 * The Javalin 7 server on Jetty 12: thread pool, body cap, request ids, authentication, JSON errors,
 * request metrics and access log, graceful stop. The route table itself is {@link Api}.
 */
public final class HttpServer {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    private final Javalin app;
    private final HttpSettings settings;
    private final AtomicReference<Server> jetty = new AtomicReference<>();

    /**
     * @param filters extra cross-cutting before/after filters (security headers, rate limits…),
     *                registered after request ids and before authentication
     */
    public HttpServer(HttpSettings settings, ObjectMapper mapper, Metrics metrics, ErrorReporter reporter,
                      Authentication authentication, List<Consumer<RoutesConfig>> filters, Api api) {
        this(settings, mapper, metrics, reporter, authentication, filters, List.of(), cfg -> { }, List.of(), api);
    }

    /**
     * @param afterAuthentication filters that need the authenticated caller (per-key rate limits),
     *                            registered right after authentication
     * @param customize           further server configuration (Jetty's minimum data rate…)
     * @param direct              hot routes served in front of Javalin ({@link DirectRoute}); each also
     *                            stays registered in {@code api}, which serves what they pass on
     */
    public HttpServer(HttpSettings settings, ObjectMapper mapper, Metrics metrics, ErrorReporter reporter,
                      Authentication authentication, List<Consumer<RoutesConfig>> filters,
                      List<Consumer<RoutesConfig>> afterAuthentication, Consumer<JavalinConfig> customize,
                      List<DirectRoute> direct, Api api) {
        this.settings = settings;
        ErrorMapping errors = new ErrorMapping(reporter, settings.maxBodyBytes());
        this.app = Javalin.create(cfg -> {
            configure(cfg, settings, mapper, metrics, reporter, errors, authentication, filters, afterAuthentication,
                    direct, api);
            cfg.jetty.modifyServer(jetty::set);
            customize.accept(cfg);
        });
    }

    private static void configure(JavalinConfig cfg, HttpSettings settings, ObjectMapper mapper, Metrics metrics,
                                  ErrorReporter reporter, ErrorMapping errors, Authentication authentication,
                                  List<Consumer<RoutesConfig>> filters, List<Consumer<RoutesConfig>> afterAuthentication,
                                  List<DirectRoute> direct, Api api) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.jsonMapper(new JavalinJackson(mapper, false));
        cfg.http.maxRequestSize = settings.maxBodyBytes();
        cfg.http.prefer405over404 = true;
        cfg.http.generateEtags = false;
        cfg.router.ignoreTrailingSlashes = true;
        cfg.jetty.host = settings.host();
        cfg.jetty.port = settings.port();
        QueuedThreadPool pool = SelectorFront.pool(settings.maxThreads(), Math.min(8, settings.maxThreads()), 60_000);
        pool.setName("levqor-http");
        cfg.jetty.threadPool = pool;
        cfg.jetty.modifyHttpConfiguration(http -> {
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
        });
        cfg.jetty.modifyServer(server -> {
            // Graceful stop: close the connectors, let in-flight requests finish within the grace period.
            // Javalin puts its servlet context inside the innermost wrapper: after the direct routes.
            // The front runs on the selector and hands what may block to the pool (see SelectorFront).
            GracefulHandler graceful = new GracefulHandler();
            SelectorFront front = new SelectorFront(direct, pool);
            graceful.setHandler(front);
            Handler.Wrapper innermost = front;
            for (DirectRoute route : direct) {
                innermost.setHandler(route);
                innermost = route;
            }
            server.setHandler(graceful);
            server.setStopTimeout(settings.shutdownGraceMillis());
            server.setErrorHandler(new JsonJettyErrorHandler());
        });
        cfg.router.javaLangErrorHandler((res, error) -> log.error("Fatal error while serving a request", error));
        RequestObserver observer = new RequestObserver(metrics, reporter);
        cfg.requestLogger.http((ctx, ms) -> observer.observe(ctx.method().name(), ctx.path(), Routes.template(ctx),
                ctx.statusCode(), ms, RequestIds.of(ctx), ErrorMapping.alreadyReported(ctx)));

        RoutesConfig routes = cfg.routes;
        errors.register(routes);
        routes.before(ctx -> {
            RequestIds.assign(ctx);
            rejectDeclaredOversize(ctx, settings.maxBodyBytes());
        });
        filters.forEach(f -> f.accept(routes));
        routes.beforeMatched(authentication::check);
        afterAuthentication.forEach(f -> f.accept(routes));
        api.register(routes);
    }

    /** Refuses a body whose declared length is over the cap before reading a byte of it. */
    private static void rejectDeclaredOversize(Context ctx, long max) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw ApiException.tooLarge("The request body of " + declared + " bytes is larger than the limit of "
                    + max + " bytes (MAX_BODY_BYTES).");
        }
    }

    /**
     * {@code "{} {} {} {}ms rid={}"} filled in without the logger's argument array, boxing and
     * placeholder scan: the text is the same (arguments are never themselves scanned for placeholders).
     */
    static String accessLine(String method, String path, int status, float ms, String requestId) {
        return new StringBuilder(method.length() + path.length() + requestId.length() + 24)
                .append(method).append(' ').append(path).append(' ').append(status).append(' ')
                .append(twoDecimals(ms)).append("ms rid=").append(requestId).toString();
    }

    /** {@code String.format("%.2f", ms)} without a Formatter per request. */
    static String twoDecimals(float ms) {
        long hundredths = Math.round(ms * 100.0);
        long frac = Math.abs(hundredths % 100);
        return (hundredths < 0 && hundredths > -100 ? "-" : "") + (hundredths / 100) + (frac < 10 ? ".0" : ".") + frac;
    }

    public HttpServer start() {
        app.start();
        log.info("Levqor listening on http://{}:{}", settings.host(), app.port());
        if (!servesOnSelector()) {
            log.warn("A blocking handler sits above the front: every request waits for a pool thread (slower intake)");
        }
        return this;
    }

    public int port() {
        return app.port();
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
    public void stop() {
        app.stop();
    }
}
