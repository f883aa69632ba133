package com.levqor.backups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layout of {@code BACKUP_DIR}: {@code backup_<YYYYMMDDTHHMMSSZ>.sql} (the time the backup
 * started, UTC) with {@code backup_<…>.manifest.json} beside it. A backup is complete once its
 * manifest exists: both are written under a temporary name ({@code .backup_<…>.tmp}), flushed to
 * disk and renamed, the SQL file first, so a crash never leaves a file that looks complete.
 */
public final class BackupFolder {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern SQL_NAME = Pattern.compile("backup_(\\d{8}T\\d{6}Z)\\.sql");
    private static final String MANIFEST_SUFFIX = ".manifest.json";
    private static final String TEMP_PREFIX = ".backup_";

    /** One backup file and whether its manifest is there. */
    public record Entry(Path sql, Instant at, boolean complete) {
        public Path manifest() {
            return manifestOf(sql);
        }
    }

    private final Path dir;

    public BackupFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * The name of a backup started at {@code at}; when that second is taken already (two backups in
     * one second), the next free second.
     */
    Path newBackupFile(Instant at) throws IOException {
        Files.createDirectories(dir);
        Instant t = at.truncatedTo(ChronoUnit.SECONDS);
        while (true) {
            Path p = dir.resolve("backup_" + STAMP.format(t) + ".sql");
            if (!Files.exists(p) && !Files.exists(manifestOf(p))) {
                return p;
            }
            t = t.plusSeconds(1);
        }
    }

    public static Path manifestOf(Path sql) {
        String name = sql.getFileName().toString();
        String base = name.endsWith(".sql") ? name.substring(0, name.length() - 4) : name;
        return sql.resolveSibling(base + MANIFEST_SUFFIX);
    }

    /** The temporary name a file is written under before it is renamed to {@code target}. */
    static Path tempOf(Path target) {
        String name = target.getFileName().toString();
        return target.resolveSibling(TEMP_PREFIX + name.substring("backup_".length()) + ".tmp");
    }

    /** The backups, oldest first. */
    public List<Entry> backups() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                Matcher m = SQL_NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    out.add(new Entry(p, STAMP.parse(m.group(1), Instant::from), Files.isRegularFile(manifestOf(p))));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list BACKUP_DIR " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Entry::at));
        return out;
    }

    /** The newest backup with its manifest. */
    public Optional<Entry> newestComplete() {
        List<Entry> all = backups();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).complete()) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** Temporary files left by a run that died (call while no run is writing: under the backup lock). */
    List<Path> leftoverTemps() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(TEMP_PREFIX) && n.endsWith(".tmp");
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list BACKUP_DIR " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes a written file permanent: renames the temporary file (already flushed to disk by its
     * writer) to its name and flushes the folder, so the rename itself survives a crash.
     */
    static void commit(Path temp, Path target) throws IOException {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel folder = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some file systems cannot open a folder for syncing; the rename is still atomic there.
        }
    }
}
