package com.levqor.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.List;

/**
 * The route table as it is registered: each {@code get}/{@code post}/{@code delete} adds the route
 * to Javalin and, in the same call, to the list {@link Api#routes()} returns, so the list cannot
 * name a route that is not served nor miss one that is. The API document's test walks it.
 */
public final class RouteTable {
    /** One registered route: its method, its path template as Javalin matches it, who may call it. */
    public record Route(String method, String path, Access access) {
    }

    private final RoutesConfig routes;
    private final List<Route> registered = new ArrayList<>();

    RouteTable(RoutesConfig routes) {
        this.routes = routes;
    }

    void get(String path, Handler handler, Access access) {
        routes.get(path, handler, access);
        registered.add(new Route("GET", path, access));
    }

    void post(String path, Handler handler, Access access) {
        routes.post(path, handler, access);
        registered.add(new Route("POST", path, access));
    }

    void delete(String path, Handler handler, Access access) {
        routes.delete(path, handler, access);
        registered.add(new Route("DELETE", path, access));
    }

    List<Route> registered() {
        return List.copyOf(registered);
    }
}
