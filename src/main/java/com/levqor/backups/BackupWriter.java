package com.levqor.backups;

import com.levqor.runtime.Version;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one backup: {@code pg_dump} of the database and its manifest, both describing one snapshot.
 *
 * <p>A repeatable-read transaction exports its snapshot ({@code pg_export_snapshot()}); pg_dump is
 * started on that snapshot ({@code --snapshot}) while, on the same transaction, every table's count
 * and checksum and the schema version are computed: the two run at the same time and see the same
 * rows, however many jobs are written meanwhile. The transaction stays open until both are done.
 *
 * <p>The dump is plain SQL ({@code --format=plain --no-owner --no-acl}, so any user can restore it)
 * with {@code --clean --if-exists}: it starts by dropping what it creates, so the runbook's
 * {@code psql … < backup_….sql} works on an empty database and on one that holds the same schema.
 * The file wraps pg_dump's output in {@code BEGIN;} … {@code COMMIT;} ({@link #HEADER},
 * {@link #FOOTER}): that line has no {@code ON_ERROR_STOP}, and psql would otherwise go on after a
 * failed statement and leave a half-restored database; in one transaction it restores all or nothing,
 * and whatever still reads the database meanwhile waits instead of seeing its tables vanish.
 */
public final class BackupWriter {
    private static final Logger log = LoggerFactory.getLogger(BackupWriter.class);
    /** pg_dump's options, besides the snapshot; the bench's bare pg_dump uses the same. */
    public static final List<String> PG_DUMP_OPTIONS =
            List.of("--format=plain", "--no-owner", "--no-acl", "--clean", "--if-exists", "--no-password");
    /** Written before pg_dump's output. */
    static final String HEADER = "-- levqor backup: pg_dump's output in one transaction, so that\n"
            + "--   psql -h $PGHOST -p $PGPORT -U $PGUSER -d $PGDATABASE < this_file.sql\n"
            + "-- restores all of it or nothing (stop Levqor first: see runbook/RUNBOOK.md).\n"
            + "BEGIN;\n\n";
    /** Written after it. */
    static final String FOOTER = "\nCOMMIT;\n";

    /** A backup written: its file, its manifest, and the manifest's content. */
    public record Written(Path sql, Path manifestFile, Manifest manifest) {
    }

    private final BackupFolder folder;
    private final PgTools tools;
    private final PgTarget target;
    private final Clock clock;

    public BackupWriter(BackupFolder folder, PgTools tools, PgTarget target, Clock clock) {
        this.folder = folder;
        this.tools = tools;
        this.target = target;
        this.clock = clock;
    }

    /**
     * Writes a backup.
     *
     * @param onSnapshot called once the snapshot is taken and pg_dump has started on it (the run's row
     *                   is written then: after the snapshot, so the backup does not hold its own
     *                   unfinished row, while pg_dump already works); when it throws, pg_dump is
     *                   stopped and nothing is written
     */
    public Written write(Runnable onSnapshot) throws BackupFailedException, InterruptedException {
        Instant started = clock.instant();
        removeLeftovers();
        Path sql;
        try {
            sql = folder.newBackupFile(started);
        } catch (IOException e) {
            throw new BackupFailedException("Could not create BACKUP_DIR " + folder.dir() + ": " + e.getMessage(), e);
        }
        Path temp = BackupFolder.tempOf(sql);
        boolean done = false;
        try (Connection c = target.connect("levqor-backup")) {
            TableChecksums.pinSession(c);
            String serverVersion = TableChecksums.serverVersion(c);
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            String snapshot;
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("select pg_export_snapshot()")) {
                r.next();
                snapshot = r.getString(1);
            }
            DumpResult dump;
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                dump = dumpAndRead(c, snapshot, out, onSnapshot);
                out.force(true);
            }
            c.commit();
            BackupFolder.commit(temp, sql);
            Instant finished = clock.instant();
            DatabaseContent content = dump.content().withSequences(dump.sink().sequences());
            Manifest manifest = new Manifest(Manifest.FORMAT, sql.getFileName().toString(), dump.sink().size(),
                    dump.sink().sha256Hex(), started, finished, snapshot, target.database(), serverVersion,
                    tools.pgDump().version(), Version.get(), content.schemaVersion(), content.tables().size(),
                    content.totalRows(), content.tables(), content.sequences());
            Path manifestFile = BackupFolder.manifestOf(sql);
            manifest.write(manifestFile);
            done = true;
            return new Written(sql, manifestFile, manifest);
        } catch (SQLException e) {
            throw new BackupFailedException("Backup of " + target.describe() + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackupFailedException("Could not write the backup " + sql + ": " + e.getMessage(), e);
        } finally {
            if (!done) {
                deleteQuietly(temp);
                if (!Files.exists(BackupFolder.manifestOf(sql))) {
                    deleteQuietly(sql);
                }
            }
        }
    }

    private record DumpResult(DumpSink sink, DatabaseContent content) {
    }

    /**
     * Runs pg_dump on the snapshot into {@code out}, then {@code onSnapshot}, while the tables are
     * counted and summed on {@code c}, in the same transaction; fails when any fails.
     */
    private DumpResult dumpAndRead(Connection c, String snapshot, FileChannel out, Runnable onSnapshot)
            throws BackupFailedException, SQLException, IOException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(PG_DUMP_OPTIONS);
        args.add("--snapshot=" + snapshot);
        PgProcess dump = PgProcess.start(tools.pgDump(), args, target, true);
        DumpSink sink = new DumpSink(out);
        AtomicReference<IOException> pumpFailure = new AtomicReference<>();
        Thread pump = new Thread(() -> {
            try {
                sink.text(HEADER);
                sink.pump(dump.stdout());
                sink.text(FOOTER);
                sink.finish();
            } catch (IOException e) {
                pumpFailure.set(e);
                dump.destroy();
            }
        }, "levqor-backup-pump");
        pump.setDaemon(true);
        pump.start();
        DatabaseContent content;
        try {
            onSnapshot.run();
            content = TableChecksums.read(c, false);
        } catch (SQLException | RuntimeException e) {
            dump.destroy();
            pump.join();
            throw e;
        }
        int status = dump.waitFor();
        pump.join();
        if (pumpFailure.get() != null) {
            throw pumpFailure.get();
        }
        if (status != 0) {
            throw new BackupFailedException(dump.failure(status));
        }
        return new DumpResult(sink, content);
    }

    /** Temporary files of a run that died (every run holds the backup lock, so none is being written). */
    private void removeLeftovers() {
        for (Path p : folder.leftoverTemps()) {
            log.warn("Removing {}: left by a backup that did not finish", p);
            deleteQuietly(p);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", p, e.toString());
        }
    }
}
