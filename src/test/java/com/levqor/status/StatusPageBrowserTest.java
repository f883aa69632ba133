package com.levqor.status;

import static com.levqor.testing.TestServer.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.Await;
import com.levqor.testing.Response;
import com.levqor.testing.TestServer;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /status} in a real browser: headless Chromium (Debian package {@code chromium}; {@code make test}
 * installs it) loads the page from a running server; the DOM it renders holds the components and the
 * open incident and not one script (the page works without JavaScript: there is none, and its CSP
 * would refuse inline script), nothing was refused by the CSP, and screenshots are written to
 * {@code target/status-page.png} (desktop) and {@code target/status-page-phone.png}. (Chromium's
 * {@code --dump-dom} and {@code --screenshot} modes need JavaScript on to work at all.)
 */
class StatusPageBrowserTest {
    static final long BROWSER_SECONDS = 90;
    static TestServer server;
    static String chromium;

    @BeforeAll
    static void start() {
        chromium = findChromium();
        server = TestServer.start();
        Response opened = server.post("/ops/incidents", """
                {"title":"Webhook deliveries delayed","impact":"major","components":["queue","email"],
                 "status":"identified","message":"Callbacks to customer endpoints are running behind by a few minutes. No job is lost.",
                 "workaround":"Poll GET /api/v1/status/{job_id} for urgent jobs.","next_update_minutes":30}""", admin());
        assertThat(opened.status()).isEqualTo(201);
        Await.until("the incident on the page", Duration.ofSeconds(20),
                () -> server.get("/status").body().contains("Webhook deliveries delayed"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String findChromium() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        throw new AssertionError("Headless Chromium is needed for this test and is not installed: "
                + "apt-get install -y chromium (Debian package 'chromium'; `make test` installs it when run as root)");
    }

    record Run(int exit, String out, String err) {
    }

    /** One bounded Chromium run with a profile of its own, as java-maven.md's "Known to work" starts it. */
    static Run chromium(String... args) throws Exception {
        Path profile = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "chromium-");
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars",
                "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile.toAbsolutePath()));
        cmd.addAll(List.of(args));
        Path out = profile.resolveSibling(profile.getFileName() + ".out");
        Path err = profile.resolveSibling(profile.getFileName() + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(BROWSER_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("Chromium did not finish within " + BROWSER_SECONDS + " s: " + cmd);
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
            p.onExit().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theRenderedDomHoldsTheComponentsAndTheOpenIncident() throws Exception {
        Run r = chromium("--dump-dom", server.uri("/status").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String dom = r.out();
        assertThat(dom).contains("<h1 id=\"overall-title\">Partial System Outage</h1>");
        for (String label : List.of("API", "Database", "Job queue", "Payments", "Email")) {
            assertThat(dom).contains("<h3>" + label + "</h3>");
        }
        assertThat(dom).contains("Active incidents").contains("Webhook deliveries delayed")
                .contains("Poll GET /api/v1/status/{job_id} for urgent jobs.");
        assertThat(dom.split("class=\"component\"", -1)).hasSize(6);
        assertThat(dom).doesNotContain("<script");
        assertThat(r.err()).doesNotContain("Content Security Policy").doesNotContain("Refused to");
    }

    @Test
    void screenshotsAreWrittenForADesktopAndAPhone() throws Exception {
        Path desktop = Path.of("target", "status-page.png").toAbsolutePath();
        Path phone = Path.of("target", "status-page-phone.png").toAbsolutePath();
        Files.deleteIfExists(desktop);
        Files.deleteIfExists(phone);
        Run wide = chromium("--window-size=1280,2000", "--screenshot=" + desktop, server.uri("/status").toString());
        assertThat(wide.exit()).as(wide.err()).isZero();
        Run narrow = chromium("--window-size=390,1800", "--force-device-scale-factor=1", "--screenshot=" + phone,
                server.uri("/status").toString());
        assertThat(narrow.exit()).as(narrow.err()).isZero();
        assertThat(pngSize(desktop)).containsExactly(1280, 2000);
        assertThat(pngSize(phone)).containsExactly(390, 1800);
        assertThat(wide.err() + narrow.err()).doesNotContain("Content Security Policy");
    }

    /** Width and height from a PNG's header (the file must be a PNG). */
    static int[] pngSize(Path png) throws IOException {
        byte[] b = Files.readAllBytes(png);
        assertThat(new String(b, 1, 3, StandardCharsets.US_ASCII)).as(png + " is a PNG").isEqualTo("PNG");
        assertThat(b.length).as(png + " has a picture in it").isGreaterThan(10_000);
        ByteBuffer header = ByteBuffer.wrap(b, 16, 8);
        return new int[] {header.getInt(), header.getInt()};
    }
}
