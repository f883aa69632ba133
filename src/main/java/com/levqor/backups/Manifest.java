package com.levqor.backups;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.levqor.backups.DatabaseContent.SequenceValue;
import com.levqor.backups.DatabaseContent.TableSum;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.SortedMap;

/**
 * {@code backup_<…>.manifest.json}: what the SQL file beside it holds, taken from the same snapshot
 * as the dump, so that a restore can be checked against it.
 *
 * @param format        version of this layout (1)
 * @param file          the SQL file's name
 * @param sizeBytes     its size
 * @param sha256        its SHA-256, hex
 * @param startedAt     when the backup started
 * @param finishedAt    when the SQL file was complete
 * @param snapshot      the exported snapshot pg_dump read
 * @param database      the database's name
 * @param serverVersion the server's version ({@code 15.15})
 * @param pgDumpVersion what {@code pg_dump --version} said
 * @param levqorVersion the version of Levqor that wrote it
 * @param schemaVersion the Flyway schema version in the snapshot
 * @param tableCount    how many tables
 * @param rowCount      rows in all tables
 * @param tables        per table (schema-qualified): rows and content checksum
 * @param sequences     per sequence: the position the dump sets
 */
public record Manifest(int format, String file, long sizeBytes, String sha256, Instant startedAt, Instant finishedAt,
                       String snapshot, String database, String serverVersion, String pgDumpVersion,
                       String levqorVersion, String schemaVersion, int tableCount, long rowCount,
                       SortedMap<String, TableSum> tables, SortedMap<String, SequenceValue> sequences) {

    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** What the manifest says the database held. */
    public DatabaseContent content() {
        return new DatabaseContent(tables, sequences, schemaVersion);
    }

    /** Reads the manifest at {@code path}. */
    public static Manifest read(Path path) throws IOException {
        try {
            return JSON.readValue(Files.readAllBytes(path), Manifest.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no manifest: the backup is incomplete or not Levqor's");
        }
    }

    /** Writes it under a temporary name, flushes it to disk and renames it to {@code path}. */
    public void write(Path path) throws IOException {
        Path temp = BackupFolder.tempOf(path);
        byte[] bytes = JSON.writeValueAsBytes(this);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        BackupFolder.commit(temp, path);
    }
}
