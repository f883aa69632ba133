package com.levqor.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.RawHttp;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Slow clients cut off by Jetty's minimum data rate (ABUSE_GUARDS_ENABLED); size and nesting caps. */
class RequestLimitsTest {

    /** Sends headers announcing a body, then trickles it one byte at a time; returns the status line seen. */
    private static String trickle(TestServer s, int bytes, long pauseMillis) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", s.uri("/").getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            String body = "{\"email\":\"slow@example.com\"" + " ".repeat(Math.max(0, bytes - 29)) + "}";
            String head = "POST /ops/accounts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + TestServer.ADMIN_KEY + "\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawHttp.trickle(out, body.getBytes(StandardCharsets.US_ASCII), pauseMillis, 8);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            try {
                in.transferTo(answer);
            } catch (java.io.IOException reset) {
                // connection reset after the answer
            }
            String text = answer.toString(StandardCharsets.US_ASCII);
            return text.isEmpty() ? "(closed)" : text.lines().findFirst().orElse("");
        }
    }

    @Test
    void slowBodiesAreCutOffWithTheFlagOnAndWaitedForWithItOff() throws Exception {
        Map<String, String> env = Map.of("MIN_REQUEST_DATA_RATE", "4096");
        try (TestServer on = TestServer.start(env)) {
            String status = trickle(on, 64, 250);
            assertThat(status).doesNotContain(" 201").doesNotContain(" 200");
            assertThat(status).contains(" 408");
        }
        Map<String, String> offEnv = new java.util.HashMap<>(env);
        offEnv.put("ABUSE_GUARDS_ENABLED", "false");
        try (TestServer off = TestServer.start(offEnv)) {
            assertThat(trickle(off, 64, 250)).contains(" 201");
        }
    }

    @Test
    void oversizedBodiesAndDeepJsonAreRefusedWithPreciseErrors() {
        try (TestServer s = TestServer.start(Map.of("MAX_BODY_BYTES", "4096"))) {
            Response big = s.post("/ops/accounts", "{\"email\":\"" + "a".repeat(5000) + "\"}", TestServer.admin());
            assertThat(big.status()).isEqualTo(413);
            assertThat(big.json().get("error").asText()).isEqualTo("payload_too_large");
            String deep = "[".repeat(200) + "]".repeat(200);
            Response nested = s.post("/ops/accounts", "{\"email\":" + deep + "}", TestServer.admin());
            assertThat(nested.status()).isEqualTo(400);
            assertThat(nested.json().get("error").asText()).isEqualTo("malformed_json");
        }
    }
}
