package com.levqor.http;

import com.levqor.edge.EdgeRequest;
import com.levqor.edge.HeaderSink;
import com.levqor.edge.RequestId;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * A request the selector serves itself ({@link DirectRoute}, {@link StatusRoutes}), as the edge chain
 * reads it: its headers, address and declared length straight from Jetty's core request, and the
 * guards' headers written onto its core response. Each route adds its method, path and access.
 */
abstract class JettyEdgeRequest extends EdgeRequest implements HeaderSink {
    final Request request;
    final Response response;
    final HttpFields headers;
    final long declared;

    JettyEdgeRequest(Request request, Response response, long declared) {
        this.request = request;
        this.response = response;
        this.headers = request.getHeaders();
        this.declared = declared;
    }

    @Override
    public String requestIdHeader() {
        return headers.get(RequestId.HEADER);
    }

    @Override
    public String remoteAddress() {
        return Request.getRemoteAddr(request);
    }

    @Override
    public List<String> forwardedFor() {
        return headers.getValuesList("X-Forwarded-For");
    }

    @Override
    public long declaredLength() {
        return declared;
    }

    @Override
    public String origin() {
        return headers.get(HttpHeader.ORIGIN);
    }

    @Override
    public String preflightMethod() {
        return headers.get(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD);
    }

    @Override
    public String authorization() {
        return headers.get(HttpHeader.AUTHORIZATION);
    }

    @Override
    public String apiKeyHeader() {
        return headers.get("X-Api-Key");
    }

    /** Writes one of the guards' headers onto the answer. */
    @Override
    public void header(String name, String value) {
        response.getHeaders().put(name, value);
    }
}
