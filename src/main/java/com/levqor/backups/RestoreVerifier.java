package com.levqor.backups;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves a backup restores: checks the file's SHA-256 against its manifest, restores it with
 * {@code psql -v ON_ERROR_STOP=1} into a {@link ScratchDatabase}, reads the restored tables,
 * sequences and schema version the same way the backup read the original ({@link TableChecksums}),
 * compares ({@link ParityCheck}), and drops the scratch database, also when anything failed. A file
 * whose SHA-256 differs is still restored and compared, so the report names what is damaged.
 */
public final class RestoreVerifier {
    private static final Logger log = LoggerFactory.getLogger(RestoreVerifier.class);
    /** psql's options: no psqlrc, quiet, stop at the first error, never ask for a password. */
    public static final List<String> PSQL_OPTIONS = List.of("-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password");

    private final PgTools tools;
    private final PgTarget live;
    private final Optional<PgTarget> configuredScratch;
    private final Clock clock;

    /**
     * @param configuredScratch {@code RESTORE_VERIFY_DATABASE_URL}'s database, or empty to create one
     */
    public RestoreVerifier(PgTools tools, PgTarget live, Optional<PgTarget> configuredScratch, Clock clock) {
        this.tools = tools;
        this.live = live;
        this.configuredScratch = configuredScratch;
        this.clock = clock;
    }

    /** Restores and verifies {@code sql}; the report says how it compared (see {@link VerifyReport#passed}). */
    public VerifyReport verify(Path sql) throws BackupFailedException, InterruptedException {
        Manifest manifest;
        try {
            manifest = Manifest.read(BackupFolder.manifestOf(sql));
        } catch (NoSuchFileException e) {
            throw new BackupFailedException("No manifest beside " + sql + " (" + BackupFolder.manifestOf(sql).getFileName()
                    + "): the backup is incomplete, or was not written by levqor backup");
        } catch (IOException e) {
            throw new BackupFailedException("Could not read the manifest of " + sql + ": " + e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        String fileProblem = checkFile(sql, manifest);
        ScratchDatabase scratch;
        try {
            scratch = ScratchDatabase.open(live, configuredScratch, clock.instant());
        } catch (SQLException e) {
            throw new BackupFailedException("Could not prepare RESTORE_VERIFY_DATABASE_URL's database: " + e.getMessage(), e);
        }
        String cleanupError = null;
        ParityCheck parity;
        DatabaseContent restored;
        double rto;
        try {
            String restoreProblem = restore(sql, scratch.target());
            try (Connection c = scratch.target().connect("levqor-restore-verify")) {
                TableChecksums.pinSession(c);
                restored = TableChecksums.read(c, true);
            } catch (SQLException e) {
                throw new BackupFailedException("Could not read the restored database " + scratch.name() + ": "
                        + e.getMessage(), e);
            }
            parity = ParityCheck.compare(manifest.content(), restored, fileProblem, restoreProblem);
            rto = (System.nanoTime() - t0) / 1e9;
        } finally {
            try {
                scratch.close();
            } catch (SQLException e) {
                cleanupError = e.getMessage();
                log.error("Could not drop or empty the scratch database {}: {}", scratch.name(), e.getMessage());
            }
        }
        return new VerifyReport(sql, manifest, parity, rto, restored, scratch.name(), cleanupError);
    }

    /** Null when size and SHA-256 match the manifest; otherwise what differs. */
    private static String checkFile(Path sql, Manifest manifest) throws BackupFailedException {
        long size;
        String sha;
        try (InputStream in = Files.newInputStream(sql)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            size = 0;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
                size += n;
            }
            sha = HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchFileException e) {
            throw new BackupFailedException("The backup file " + sql + " does not exist");
        } catch (IOException e) {
            throw new BackupFailedException("Could not read " + sql + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (sha.equals(manifest.sha256()) && size == manifest.sizeBytes()) {
            return null;
        }
        return "sha256: " + sql.getFileName() + " is not the file its manifest describes (sha256 " + sha + ", "
                + size + " bytes; the manifest says " + manifest.sha256() + ", " + manifest.sizeBytes() + " bytes)";
    }

    /** Runs psql on the file; null when it ran to its end, otherwise its failure. */
    private String restore(Path sql, PgTarget into) throws BackupFailedException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(PSQL_OPTIONS);
        args.add("-f");
        args.add(sql.toAbsolutePath().toString());
        PgProcess psql;
        try {
            psql = PgProcess.start(tools.psql(), args, into, false);
        } catch (IOException e) {
            throw new BackupFailedException("Could not start psql: " + e.getMessage(), e);
        }
        int status = psql.waitFor();
        return status == 0 ? null : psql.failure(status);
    }
}
