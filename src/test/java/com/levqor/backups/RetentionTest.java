package com.levqor.backups;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.testing.MutableClock;
import com.levqor.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Old backups go; the newest good one stays, however old it is. */
class RetentionTest {

    @Test
    void keepsTheNewestGoodBackupEvenWhenItIsOlderThanTheRetention() throws Exception {
        String url = TestPostgres.newDatabase();
        PgTarget target = PgTarget.fromJdbc(url, Optional.empty(), Optional.empty());
        PgTools tools = PgTools.locate(Optional.empty(),
                java.util.Arrays.stream(System.getenv("PATH").split(":")).map(Path::of).toList());
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tmp")), "retention-");
        BackupFolder folder = new BackupFolder(dir);
        Instant now = Instant.parse("2030-03-01T12:00:00Z");
        MutableClock clock = new MutableClock(now.minus(Duration.ofDays(40)));
        BackupWriter writer = new BackupWriter(folder, tools, target, clock);

        Path oldest = writer.write(() -> { }).sql();                       // 40 days old
        clock.set(now.minus(Duration.ofDays(30)));
        Path newestGood = writer.write(() -> { }).sql();                   // 30 days old
        clock.set(now.minus(Duration.ofDays(20)));
        Path incomplete = writer.write(() -> { }).sql();                   // 20 days old, manifest lost
        Files.delete(BackupFolder.manifestOf(incomplete));

        clock.set(now);
        List<Path> deleted = new Retention(folder, 14, clock).prune();
        assertThat(deleted).containsExactlyInAnyOrder(oldest, incomplete);
        assertThat(folder.backups()).extracting(BackupFolder.Entry::sql).containsExactly(newestGood);
        assertThat(BackupFolder.manifestOf(oldest)).doesNotExist();
        assertThat(BackupFolder.manifestOf(newestGood)).exists();

        // Pruning again changes nothing; a fresh good backup lets the old one go.
        assertThat(new Retention(folder, 14, clock).prune()).isEmpty();
        Path fresh = writer.write(() -> { }).sql();
        assertThat(new Retention(folder, 14, clock).prune()).containsExactly(newestGood);
        assertThat(folder.backups()).extracting(BackupFolder.Entry::sql).containsExactly(fresh);

        // Within the retention nothing is deleted.
        clock.set(now.plus(Duration.ofDays(13)));
        writer.write(() -> { });
        assertThat(new Retention(folder, 14, clock).prune()).isEmpty();
        assertThat(folder.backups()).hasSize(2);
    }
}
