package com.levqor.http;

import com.levqor.accounts.Caller;
import com.levqor.edge.BodyLimits;
import com.levqor.edge.EdgeChain;
import com.levqor.edge.EdgeRequest;
import com.levqor.edge.Mode;
import com.levqor.edge.RouteAccess;
import com.levqor.edge.Verdict;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.BadMessageException;

/**
 * The {@link EdgeChain} as Javalin filters, the Javalin adapter as {@link DirectRoute} is Jetty's:
 * one filter admits every matched request before its handler (the route's {@link Access} says
 * which guards apply); {@link ErrorMapping} asks {@link #unmatched} for a request no route matches
 * (a 404, a 405, a CORS preflight); an after filter sets the security headers again once the
 * answer's type is known (a page's policy differs).
 */
final class EdgeFilters {
    private static final String ATTRIBUTE = "levqor.edge_request";

    private final EdgeChain chain;
    private final SecurityHeaderFields securityHeaders;

    EdgeFilters(EdgeChain chain, SecurityHeaderFields securityHeaders) {
        this.chain = chain;
        this.securityHeaders = securityHeaders;
    }

    void register(RoutesConfig routes) {
        routes.beforeMatched(this::admit);
        routes.after(securityHeaders::apply);
        // Jetty refuses a body that trickles in below MIN_REQUEST_DATA_RATE (408) or is broken (400)
        // while a handler reads it: answer that status in JSON instead of a 500, and close.
        routes.exception(BadMessageException.class, (e, ctx) -> {
            var answer = BodyLimits.unreadable(e.getCode(), e.getReason(), ctx.req().getMethod(), ctx.path(),
                    clientIp(ctx));
            ErrorMapping.write(ctx, answer.status(), answer.code(), answer.getMessage(), Map.of(), answer.headers());
        });
    }

    private void admit(Context ctx) {
        JavalinRequest r = new JavalinRequest(ctx, access(ctx.routeRoles()), Routes.template(ctx));
        Verdict v = chain.admit(r, Mode.MAY_BLOCK);
        decorate(ctx, r);
        if (v == Verdict.REFUSED) {
            throw r.refusal();
        }
        if (v == Verdict.PREFLIGHT) {
            ctx.status(204);
            ctx.skipRemainingHandlers();
        } else if (r.caller() != null) {
            Caller.attach(ctx, r.caller());
        }
    }

    /**
     * The guards every request passes, for a request no route matches: true when they answered it
     * (a refusal written, a preflight), false when the 404 or 405 stands.
     */
    boolean unmatched(Context ctx) {
        JavalinRequest r = new JavalinRequest(ctx, RouteAccess.NONE, ctx.path());
        Verdict v = chain.admit(r, Mode.MAY_BLOCK);
        decorate(ctx, r);
        if (v == Verdict.REFUSED) {
            var e = r.refusal();
            ErrorMapping.write(ctx, e.status(), e.code(), e.getMessage(), e.details(), e.headers());
            return true;
        }
        if (v == Verdict.PREFLIGHT) {
            ctx.status(204);
            return true;
        }
        return false;
    }

    /** The client IP of a request, as the chain resolved it (resolved now when the chain has not seen it). */
    String clientIp(Context ctx) {
        JavalinRequest r = ctx.attribute(ATTRIBUTE);
        return chain.clientIp().of(r != null ? r : new JavalinRequest(ctx, RouteAccess.NONE, ctx.path()));
    }

    private static RouteAccess access(Set<RouteRole> roles) {
        if (roles.contains(Access.ADMIN)) {
            return RouteAccess.ADMIN;
        }
        return roles.contains(Access.API_KEY) ? RouteAccess.API_KEY : RouteAccess.PUBLIC;
    }

    /**
     * A Javalin request as the chain reads it. What the chain decides goes onto the answer at once:
     * the request id, the security headers, the guards' headers.
     */
    private final class JavalinRequest extends EdgeRequest {
        private final Context ctx;
        private final RouteAccess access;
        private final String route;

        JavalinRequest(Context ctx, RouteAccess access, String route) {
            this.ctx = ctx;
            this.access = access;
            this.route = route;
            ctx.attribute(ATTRIBUTE, this);
        }

        @Override
        public String method() {
            return ctx.req().getMethod();
        }

        @Override
        public String path() {
            return ctx.path();
        }

        @Override
        public String route() {
            return route;
        }

        @Override
        public RouteAccess access() {
            return access;
        }

        @Override
        public String requestIdHeader() {
            String assigned = RequestIds.assigned(ctx);
            return assigned != null ? assigned : ctx.header(RequestIds.HEADER);
        }

        @Override
        public String remoteAddress() {
            return ctx.req().getRemoteAddr();
        }

        @Override
        public List<String> forwardedFor() {
            Enumeration<String> values = ctx.req().getHeaders("X-Forwarded-For");
            return values == null ? List.of() : Collections.list(values);
        }

        @Override
        public long declaredLength() {
            return ctx.req().getContentLengthLong();
        }

        @Override
        public String origin() {
            return ctx.header("Origin");
        }

        @Override
        public String preflightMethod() {
            return ctx.header("Access-Control-Request-Method");
        }

        @Override
        public String authorization() {
            return ctx.header("Authorization");
        }

        @Override
        public String apiKeyHeader() {
            return ctx.header("X-Api-Key");
        }
    }

    /** Puts what the chain decided onto the answer: before the handler runs, or a refusal is written. */
    private void decorate(Context ctx, JavalinRequest r) {
        RequestIds.set(ctx, r.requestId());
        if (r.securityHeaders()) {
            securityHeaders.apply(ctx);
        }
        r.writeHeaders(ctx::header);
    }
}
