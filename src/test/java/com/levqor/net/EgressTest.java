package com.levqor.net;

import static com.levqor.testing.RawHttpServer.ok;
import static com.levqor.testing.RawHttpServer.trickle;
import static com.levqor.testing.RawHttpServer.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.testing.Await;
import com.levqor.testing.RawHttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outbound HTTP on real sockets: the connection goes to the address that passed the guard, the
 * deadline is total, the answer's body is capped, and nothing of one request leaks into the next.
 */
class EgressTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    static EgressRequest get(String url, Duration deadline, long cap, EgressRequest.Body body) {
        return new EgressRequest("GET", URI.create(url), List.of(), null, deadline, cap, body);
    }

    static EgressRequest get(String url) {
        return get(url, Duration.ofSeconds(10), 1_000_000, EgressRequest.Body.READ);
    }

    private Egress loopbackEgress() {
        return keep(new Egress(new EgressGuard(List.of("127.0.0.1"), Resolver.SYSTEM)));
    }

    @Test
    void theClientStartsAtTheFirstExchangeAndNoneStartsAfterTheClose() throws Exception {
        RawHttpServer server = keep(new RawHttpServer("127.0.0.1", 0, ok("", "hello")));
        Egress egress = loopbackEgress();
        assertThat(egress.send(get("http://127.0.0.1:" + server.port() + "/")).status())
                .as("the first exchange starts the held client").isEqualTo(200);
        egress.close();
        assertThatThrownBy(() -> egress.send(get("http://127.0.0.1:" + server.port() + "/")))
                .isInstanceOf(IOException.class).hasMessageContaining("closed");

        Egress neverUsed = new Egress(new EgressGuard(List.of("127.0.0.1"), Resolver.SYSTEM));
        neverUsed.close(); // nothing was started: nothing to stop
        assertThatThrownBy(() -> neverUsed.send(get("http://127.0.0.1:" + server.port() + "/")))
                .isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    /**
     * DNS rebinding: the name resolves to an allowed address for the check and to another one right
     * after. The resolver is asked once per connection and the connection goes to the address it
     * answered, so the second address is judged (and refused) rather than connected to unchecked.
     * A guard that resolved the name a second time to connect would have sent the first request to
     * the second server.
     */
    @Test
    void connectsToTheAddressThatPassedTheCheckNotToALaterAnswer() throws Exception {
        RawHttpServer good = keep(new RawHttpServer("127.0.0.1", 0, ok("", "good")));
        RawHttpServer evil = keep(new RawHttpServer("127.0.0.2", good.port(), ok("", "evil")));
        AtomicInteger lookups = new AtomicInteger();
        Resolver rebinding = host -> {
            if (!host.equals("rebind.test")) {
                return Resolver.SYSTEM.resolve(host);
            }
            return List.of(InetAddress.getByName(lookups.incrementAndGet() == 1 ? "127.0.0.1" : "127.0.0.2"));
        };
        Egress egress = keep(new Egress(new EgressGuard(List.of("127.0.0.1"), rebinding)));
        String url = "http://rebind.test:" + good.port() + "/x";

        EgressAnswer first = egress.send(get(url));
        assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo("good");
        assertThat(lookups).hasValue(1);
        // The name stays the request's authority: the Host header is the name, not the pinned address.
        assertThat(good.heads.get(0)).containsIgnoringCase("Host: rebind.test:" + good.port() + "\r\n");

        // The server closed the connection, so the next request opens a new one: a new lookup, judged anew.
        assertThatThrownBy(() -> egress.send(get(url)))
                .isInstanceOf(EgressRefusedException.class)
                .hasMessageContaining("127.0.0.2").hasMessageContaining("loopback");
        assertThat(lookups).hasValue(2);
        assertThat(evil.connections).hasValue(0);
    }

    @Test
    void anAnswerOverTheCapFailsNamingTheCapWithOrWithoutAContentLength() throws Exception {
        String big = "y".repeat(5_000);
        RawHttpServer declared = keep(new RawHttpServer("127.0.0.1", 0, ok("", big)));
        RawHttpServer undeclared = keep(new RawHttpServer("127.0.0.1", 0,
                (out, h) -> write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big)));
        Egress egress = loopbackEgress();
        for (RawHttpServer s : List.of(declared, undeclared)) {
            String url = "http://127.0.0.1:" + s.port() + "/big";
            assertThatThrownBy(() -> egress.send(get(url, Duration.ofSeconds(10), 1_000, EgressRequest.Body.READ)))
                    .isInstanceOf(AnswerTooLargeException.class)
                    .hasMessageContaining("GET " + url).hasMessageContaining("cap of 1000 bytes");
        }
        RawHttpServer exact = keep(new RawHttpServer("127.0.0.1", 0, ok("", "z".repeat(1_000))));
        EgressAnswer fits = egress.send(get("http://127.0.0.1:" + exact.port() + "/", Duration.ofSeconds(10), 1_000,
                EgressRequest.Body.READ));
        assertThat(fits.body()).hasSize(1_000);
    }

    @Test
    void theDeadlineIsTotalSoABodyTricklingForeverEndsTheExchange() throws Exception {
        RawHttpServer slow = keep(new RawHttpServer("127.0.0.1", 0,
                trickle("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")));
        Egress egress = loopbackEgress();
        String url = "http://127.0.0.1:" + slow.port() + "/slow";
        // Every byte arrives well within any idle timeout; only a total deadline ends this.
        assertThatThrownBy(() -> egress.send(get(url, Duration.ofSeconds(1), 1_000_000_000, EgressRequest.Body.READ)))
                .isInstanceOf(IOException.class).hasMessageContaining("deadline of 1000 ms");
        Await.until("the client to close the trickling connection", WAIT, slow.clientClosed::get);
    }

    @Test
    void discardAnswersAtTheStatusAndStillEndsATricklingBodyAtTheDeadline() throws Exception {
        RawHttpServer slow = keep(new RawHttpServer("127.0.0.1", 0,
                trickle("HTTP/1.1 202 Accepted\r\nX-A: 1\r\nContent-Length: 100000000\r\n\r\n")));
        Egress egress = loopbackEgress();
        // Waiting for this body would fail at the deadline: the status coming back shows it was not waited for.
        EgressAnswer a = egress.send(get("http://127.0.0.1:" + slow.port() + "/", Duration.ofSeconds(2), 1_000,
                EgressRequest.Body.DISCARD));
        assertThat(a.status()).isEqualTo(202);
        assertThat(a.headers().get("x-a")).containsExactly("1");
        Await.until("the client to close the trickling connection at the deadline", WAIT, slow.clientClosed::get);
    }

    @Test
    void discardStopsReadingAnEndlessBodyAtTheCap() throws Exception {
        RawHttpServer flood = keep(new RawHttpServer("127.0.0.1", 0, (out, h) -> {
            write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            byte[] chunk = new byte[16 * 1024];
            while (true) {
                out.write(chunk);
            }
        }));
        Egress egress = loopbackEgress();
        EgressAnswer a = egress.send(get("http://127.0.0.1:" + flood.port() + "/", Duration.ofMinutes(5), 16 * 1024,
                EgressRequest.Body.DISCARD));
        assertThat(a.status()).isEqualTo(200);
        // The deadline is minutes away: what closes the connection is the cap.
        Await.until("the client to close the flooding connection at the cap", WAIT, flood.clientClosed::get);
    }

    @Test
    void redirectsAreReturnedNotFollowed() throws Exception {
        RawHttpServer evil = keep(new RawHttpServer("127.0.0.1", 0, ok("", "evil")));
        RawHttpServer redirecting = keep(new RawHttpServer("127.0.0.1", 0, (out, h) -> write(out,
                "HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: http://127.0.0.1:" + evil.port()
                        + "/\r\nContent-Length: 0\r\n\r\n")));
        EgressAnswer a = loopbackEgress().send(get("http://127.0.0.1:" + redirecting.port() + "/"));
        assertThat(a.status()).isEqualTo(302);
        assertThat(evil.connections).hasValue(0);
    }

    @Test
    void cookiesOfOneRequestAreNotSentWithTheNext() throws Exception {
        RawHttpServer server = keep(new RawHttpServer("127.0.0.1", 0,
                ok("Set-Cookie: session=tenant-a; Path=/\r\n", "ok")));
        Egress egress = loopbackEgress();
        egress.send(get("http://127.0.0.1:" + server.port() + "/a"));
        egress.send(get("http://127.0.0.1:" + server.port() + "/b"));
        assertThat(server.heads).hasSize(2);
        assertThat(server.heads.get(1)).doesNotContainIgnoringCase("cookie");
    }

    /**
     * TLS to a pinned address still speaks to the name: SNI carries it and the certificate is checked
     * against it, so a name whose certificate does not match is refused although its address was admitted.
     */
    @Test
    void tlsSendsTheNameAndChecksTheCertificateAgainstItNotAgainstThePinnedAddress() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "tmp", "egress-tls"));
        Path store = dir.resolve("pinned-" + System.nanoTime() + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "pinned", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=pinned.test", "-ext", "SAN=dns:pinned.test", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool: " + out).isZero();

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        List<String> sni = new CopyOnWriteArrayList<>();
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters sp = ctx.getDefaultSSLParameters();
                sp.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                    @Override
                    public boolean matches(SNIServerName name) {
                        sni.add(new SNIHostName(name.getEncoded()).getAsciiName());
                        return true;
                    }
                }));
                params.setSSLParameters(sp);
            }
        });
        https.createContext("/", ex -> {
            byte[] b = "secure".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        https.start();
        keep(() -> https.stop(0));

        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        Resolver dns = host -> host.endsWith(".test") ? List.of(loopback) : Resolver.SYSTEM.resolve(host);
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setTrustStorePath(store.toString());
        tls.setTrustStorePassword("changeit");
        tls.setTrustStoreType("PKCS12");
        Egress egress = keep(new Egress(new EgressGuard(List.of("127.0.0.1"), dns), tls));
        int port = https.getAddress().getPort();

        EgressAnswer a = egress.send(get("https://pinned.test:" + port + "/"));
        assertThat(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo("secure");
        assertThat(sni).contains("pinned.test");

        assertThatThrownBy(() -> egress.send(get("https://other.test:" + port + "/")))
                .isInstanceOf(IOException.class)
                .hasRootCauseInstanceOf(CertificateException.class)
                .rootCause().hasMessageContaining("other.test");
    }
}
