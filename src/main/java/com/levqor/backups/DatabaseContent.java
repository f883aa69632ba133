package com.levqor.backups;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a backup promises and a restore is checked against: every table's row count and content
 * checksum, every sequence's position, and the Flyway schema version. Names are schema-qualified
 * and quoted as Postgres quotes identifiers ({@code public.jobs}).
 *
 * @param tables        by qualified name
 * @param sequences     by qualified name
 * @param schemaVersion the newest successful Flyway migration, or null when there is none
 */
public record DatabaseContent(SortedMap<String, TableSum> tables, SortedMap<String, SequenceValue> sequences,
                              String schemaVersion) {

    /**
     * One table: its rows and the sum, as a decimal string after the hash's name ({@code hash:…} or
     * {@code md5:…}), of a 64-bit hash of each row (see {@link TableChecksums}).
     */
    public record TableSum(long rows, String checksum) {
    }

    /** A sequence's position as {@code setval(name, last_value, is_called)} restores it. */
    public record SequenceValue(long lastValue, boolean isCalled) {
        @Override
        public String toString() {
            return lastValue + (isCalled ? "" : " (not called)");
        }
    }

    public DatabaseContent {
        tables = Collections.unmodifiableSortedMap(new TreeMap<>(tables));
        sequences = Collections.unmodifiableSortedMap(new TreeMap<>(sequences));
    }

    public long totalRows() {
        return tables.values().stream().mapToLong(TableSum::rows).sum();
    }

    /** The same tables and schema version with these sequences. */
    public DatabaseContent withSequences(SortedMap<String, SequenceValue> values) {
        return new DatabaseContent(tables, values, schemaVersion);
    }
}
