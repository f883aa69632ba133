package com.levqor.net;

import com.levqor.runtime.Background;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.RedirectProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Outbound HTTP of jobs ({@code http.request}) and callbacks, behind the SSRF guard. The client asks
 * {@link EgressGuard} for a host's addresses when it opens a connection and connects to exactly
 * those (the JDK's client would resolve the name again: a DNS answer that changes in between was a
 * way past the check). The URL's host stays the request's authority, so the {@code Host} header,
 * TLS SNI and certificate host name checks are those of the name.
 *
 * <p>Every exchange has a total deadline (resolving, connecting, sending, the answer's headers and,
 * when read, its body) and a cap on the answer's body: a target that trickles or sends without end
 * costs a bounded time and bounded memory. Redirects are not followed (one could lead past the
 * guard), cookies are not kept (tenants share this client), answers are not decompressed (the cap
 * counts the bytes on the wire, no zip bomb).
 */
public final class Egress implements AutoCloseable {
    /** Time to open a TCP connection, in ms (the total deadline applies too). */
    static final long CONNECT_TIMEOUT_MS = 10_000;
    /** How long an idle pooled connection is kept, in ms. */
    static final long IDLE_TIMEOUT_MS = 30_000;
    /**
     * How long a host's connection pool is kept once idle, in ms: tenants choose the hosts, and each
     * distinct one would otherwise keep its (empty) pool for the life of the process.
     */
    static final long DESTINATION_IDLE_TIMEOUT_MS = 60_000;
    /** Largest answer header block, in bytes. */
    static final int MAX_ANSWER_HEADER_BYTES = 32 * 1024;
    /** Most threads of the client's own pool (its selector and callbacks; callers wait on their own threads). */
    static final int MAX_CLIENT_THREADS = 32;
    /** How long a caller waits past the deadline before it aborts the exchange itself, in ms. */
    private static final long WAIT_GRACE_MS = 1_000;

    private final EgressGuard guard;
    /** The client, built and started on a thread of its own ({@link Background}); every exchange waits for it. */
    private final Background<HttpClient> client;
    /** Set by {@link #close}: no exchange starts a client after it. */
    private volatile boolean closed;

    /** An egress with the JVM's resolver. */
    public Egress(Collection<String> allowedHosts) {
        this(new EgressGuard(allowedHosts, Resolver.SYSTEM));
    }

    public Egress(EgressGuard guard) {
        this(guard, SslContextFactory.Client::new);
    }

    /** @param tls TLS of the client; its default checks certificates against the JVM's trust store and the URL's host name */
    Egress(EgressGuard guard, SslContextFactory.Client tls) {
        this(guard, () -> tls);
    }

    private Egress(EgressGuard guard, Supplier<SslContextFactory.Client> tls) {
        this.guard = guard;
        // Building and starting the client loads Jetty's client classes and the JVM's trust store (a tenth of a
        // second and more): done on a thread of its own once the server answers (awaitStarted), or at the first
        // exchange if that comes first.
        this.client = Background.held("egress", () -> started(guard, tls.get()));
    }

    private static HttpClient started(EgressGuard guard, SslContextFactory.Client tls) {
        QueuedThreadPool pool = new QueuedThreadPool(MAX_CLIENT_THREADS, 2);
        pool.setName("levqor-egress");
        pool.setDaemon(true);
        HttpClient client = new HttpClient();
        client.setSslContextFactory(tls);
        client.setExecutor(pool);
        client.setScheduler(new ScheduledExecutorScheduler("levqor-egress-timer", true));
        client.setSocketAddressResolver((host, port, context, promise) -> pool.execute(() -> {
            try {
                List<InetSocketAddress> pinned = new ArrayList<>();
                for (InetAddress a : guard.admit(host)) {
                    pinned.add(new InetSocketAddress(named(host, a), port));
                }
                promise.succeeded(pinned);
            } catch (EgressRefusedException | UnknownHostException | RuntimeException e) {
                promise.failed(e);
            }
        }));
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setConnectTimeout(CONNECT_TIMEOUT_MS);
        client.setIdleTimeout(IDLE_TIMEOUT_MS);
        client.setDestinationIdleTimeout(DESTINATION_IDLE_TIMEOUT_MS);
        client.setMaxResponseHeadersSize(MAX_ANSWER_HEADER_BYTES);
        client.setDefaultRequestContentType(null);
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Levqor"));
        try {
            client.start();
        } catch (Exception e) {
            stop(client); // releases what it had opened
            throw new IllegalStateException("the outbound HTTP client did not start: " + e, e);
        }
        client.getContentDecoderFactories().clear();
        for (String h : List.of(RedirectProtocolHandler.NAME, WWWAuthenticationProtocolHandler.NAME,
                ProxyAuthenticationProtocolHandler.NAME, "upgrade")) {
            client.getProtocolHandlers().remove(h);
        }
        return client;
    }

    /**
     * Waits until the client has started (beginning it if nothing has) and throws what stopped it: the
     * composition root calls this at the end of the start, so a client that cannot start still stops
     * the process, as it did when it started in place.
     */
    public void awaitStarted() {
        client.join();
    }

    /**
     * The checked address carrying the URL's host name, without a lookup: Jetty takes the TLS peer
     * host (SNI, certificate name check) from the connection's address, which would otherwise be the
     * bare IP.
     */
    private static InetAddress named(String host, InetAddress a) throws UnknownHostException {
        host = EgressGuard.normalize(host);
        if (a instanceof Inet6Address v6 && v6.getScopeId() != 0) {
            return Inet6Address.getByAddress(host, v6.getAddress(), v6.getScopeId());
        }
        return InetAddress.getByAddress(host, a.getAddress());
    }

    /**
     * Sends a request and waits for its answer (see {@link EgressRequest.Body} for how much of it).
     *
     * @throws EgressRefusedException   not an http(s) URL, a host that does not resolve, or a special-use address
     * @throws AnswerTooLargeException  the answer's body went over the cap ({@link EgressRequest.Body#READ})
     * @throws IOException              no answer within the deadline, or the connection failed
     * @throws InterruptedException     the caller was interrupted; the exchange is aborted
     */
    public EgressAnswer send(EgressRequest r) throws EgressRefusedException, IOException, InterruptedException {
        guard.checkUrl(r.uri());
        String what = r.method() + " " + r.uri();
        long deadlineMs = Math.max(1, r.deadline().toMillis());
        if (closed) {
            throw new IOException(what + ": the outbound client is closed (the process is stopping)");
        }
        Request req = client.join().newRequest(r.uri()).method(r.method()).timeout(deadlineMs, TimeUnit.MILLISECONDS);
        req.headers(h -> r.headers().forEach(x -> h.add(x.name(), x.value())));
        if (r.body() != null) {
            req.body(new BytesRequestContent((String) null, r.body())); // no Content-Type unless the caller gave one
        }
        Reader reader = new Reader(r.maxAnswerBytes(), r.answerBody());
        req.send(reader);
        try {
            return reader.answer.get(deadlineMs + WAIT_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            req.abort(e);
            throw e;
        } catch (TimeoutException e) {
            req.abort(e);
            throw new IOException(what + ": no answer within the deadline of " + deadlineMs + " ms");
        } catch (ExecutionException e) {
            throw failure(what, deadlineMs, e.getCause());
        }
    }

    private static IOException failure(String what, long deadlineMs, Throwable cause) throws EgressRefusedException {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof EgressRefusedException refused) {
                throw refused;
            }
            if (t instanceof AnswerTooLargeException big) {
                return new AnswerTooLargeException(what, big.capBytes());
            }
            if (t instanceof TimeoutException) {
                return new IOException(what + ": no complete answer within the deadline of " + deadlineMs + " ms");
            }
        }
        return new IOException(what + ": " + cause, cause);
    }

    /**
     * Takes the answer as it arrives: counts body bytes against the cap (aborting past it) and keeps
     * them only when asked to; completes {@link #answer} at the headers ({@link EgressRequest.Body#DISCARD})
     * or at the end.
     */
    private static final class Reader implements Response.Listener {
        final CompletableFuture<EgressAnswer> answer = new CompletableFuture<>();
        private final long cap;
        private final EgressRequest.Body mode;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long seen;

        Reader(long cap, EgressRequest.Body mode) {
            this.cap = cap;
            this.mode = mode;
        }

        @Override
        public void onHeaders(Response response) {
            long declared = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            if (mode == EgressRequest.Body.DISCARD) {
                answer.complete(new EgressAnswer(response.getStatus(), headers(response), new byte[0]));
            }
            if (declared > cap) {
                response.abort(new AnswerTooLargeException(cap));
            }
        }

        @Override
        public void onContent(Response response, ByteBuffer content) {
            seen += content.remaining();
            if (seen > cap) {
                response.abort(new AnswerTooLargeException(cap));
                return;
            }
            if (mode == EgressRequest.Body.READ) {
                byte[] b = new byte[content.remaining()];
                content.get(b);
                kept.write(b, 0, b.length);
            }
        }

        @Override
        public void onComplete(Result result) {
            if (result.isFailed()) {
                answer.completeExceptionally(result.getFailure());
            } else {
                Response res = result.getResponse();
                answer.complete(new EgressAnswer(res.getStatus(), headers(res), kept.toByteArray()));
            }
        }

        private static Map<String, List<String>> headers(Response response) {
            // Lower-case names, as http.request results always had them (and HTTP/2 writes them).
            Map<String, List<String>> out = new TreeMap<>();
            for (HttpField f : response.getHeaders()) {
                out.computeIfAbsent(f.getLowerCaseName(), k -> new ArrayList<>()).add(f.getValue());
            }
            return out;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (!client.begun()) {
            return; // never started: nothing to stop
        }
        try {
            stop(client.join());
        } catch (RuntimeException e) {
            // it did not start, and stopped what it had opened
        }
    }

    private static void stop(HttpClient client) {
        try {
            client.stop();
        } catch (Exception e) {
            // stopping closes sockets and threads; a failure leaves daemon threads that end with the process
        }
    }
}
