package com.levqor.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.TestPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The readiness probe's database check: the schema version it reads, and a dead database never holding it. */
class SchemaProbeTest {

    @Test
    void expectedVersionIsTheNewestFileOfTheMigrationsFolder() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("migrations"))) {
            files.forEach(f -> names.add(f.getFileName().toString()));
        }
        assertThat(names).isNotEmpty();
        assertThat(Migrations.expectedVersion()).isEqualTo(Migrations.newest(names));
        assertThat(Migrations.newest(List.of("V2__a.sql", "V10__b.sql", "V9_1__c.sql", "R__view.sql", "notes.txt")))
                .isEqualTo(MigrationVersion.fromVersion("10"));
        assertThat(Migrations.newest(List.of("R__view.sql"))).isEqualTo(MigrationVersion.EMPTY);
    }

    @Test
    void readsTheAppliedVersionOfAMigratedDatabase() {
        String url = TestPostgres.newDatabase();
        try (SchemaProbe probe = new SchemaProbe(url, new Properties())) {
            SchemaProbe.Result r = probe.check(Duration.ofSeconds(10));
            assertThat(r.answered()).as(r.problem().orElse("")).isTrue();
            assertThat(r.applied()).contains(Migrations.expectedVersion());
            assertThat(r.problem()).isEmpty();
        }
    }

    @Test
    void aRefusedConnectionIsReportedNotThrown() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SchemaProbe probe = new SchemaProbe("jdbc:postgresql://127.0.0.1:" + port + "/none", new Properties())) {
            SchemaProbe.Result r = probe.check(Duration.ofSeconds(10));
            assertThat(r.answered()).isFalse();
            assertThat(r.applied()).isEmpty();
            assertThat(r.problem()).hasValueSatisfying(p -> assertThat(p).containsIgnoringCase("refused"));
        }
    }

    @Test
    @Timeout(30)
    void aDatabaseThatNeverAnswersDoesNotHoldTheCallers() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept()); // accepted, never answered
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/none";
            try (SchemaProbe probe = new SchemaProbe(url, new Properties())) {
                // Callers at once while the first check hangs: each returns after its own short wait.
                List<CompletableFuture<SchemaProbe.Result>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    calls.add(CompletableFuture.supplyAsync(() -> probe.check(Duration.ofMillis(300))));
                }
                for (CompletableFuture<SchemaProbe.Result> c : calls) {
                    SchemaProbe.Result r = c.get();
                    assertThat(r.answered()).isFalse();
                    assertThat(r.problem()).contains("no answer within 300 ms");
                }
                com.levqor.testing.Await.until("the probe's connection accepted", Duration.ofSeconds(10),
                        () -> !held.isEmpty());
                assertThat(held).as("one check in flight, not one connection per caller").hasSize(1);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
