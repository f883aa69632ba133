package com.levqor.backups;

import com.levqor.backups.DatabaseContent.SequenceValue;
import com.levqor.backups.DatabaseContent.TableSum;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A restored database compared with its manifest, item by item: every table (rows and checksum),
 * every sequence, the schema version, the file's SHA-256 and the restore itself (psql ran to its
 * end). PARITY is the share of those items that match exactly; each that does not is one line
 * naming it. A damaged file therefore never shows 100%, even where the damage is outside the data
 * (a truncated tail).
 *
 * @param items      how many were compared (a table on either side counts once)
 * @param matched    how many matched
 * @param mismatches one line per item that did not
 */
public record ParityCheck(int items, int matched, List<String> mismatches) {

    public ParityCheck {
        mismatches = List.copyOf(mismatches);
    }

    /**
     * @param fileProblem    why the file is not the one the manifest describes, or null when its SHA-256 matched
     * @param restoreProblem how psql failed, or null when it ran to its end
     */
    public static ParityCheck compare(DatabaseContent expected, DatabaseContent restored, String fileProblem,
                                      String restoreProblem) {
        int items = 2;
        int matched = 0;
        List<String> out = new ArrayList<>();
        if (fileProblem == null) {
            matched++;
        } else {
            out.add("FILE " + fileProblem);
        }
        if (restoreProblem == null) {
            matched++;
        } else {
            out.add("RESTORE " + restoreProblem);
        }
        TreeSet<String> tables = new TreeSet<>(expected.tables().keySet());
        tables.addAll(restored.tables().keySet());
        for (String t : tables) {
            items++;
            TableSum want = expected.tables().get(t);
            TableSum got = restored.tables().get(t);
            if (want == null) {
                out.add("TABLE " + t + ": not in the manifest (" + got.rows() + " rows restored)");
            } else if (got == null) {
                out.add("TABLE " + t + ": missing from the restored database (" + want.rows() + " rows in the manifest)");
            } else if (want.equals(got)) {
                matched++;
            } else {
                out.add("TABLE " + t + ": rows " + want.rows() + " in the manifest, " + got.rows() + " restored"
                        + (want.checksum().equals(got.checksum()) ? "" : "; content checksum differs"));
            }
        }
        TreeSet<String> sequences = new TreeSet<>(expected.sequences().keySet());
        sequences.addAll(restored.sequences().keySet());
        for (String s : sequences) {
            items++;
            SequenceValue want = expected.sequences().get(s);
            SequenceValue got = restored.sequences().get(s);
            if (Objects.equals(want, got)) {
                matched++;
            } else {
                out.add("SEQUENCE " + s + ": " + (want == null ? "not in the manifest" : want + " in the manifest") + ", "
                        + (got == null ? "missing from the restored database" : got + " restored"));
            }
        }
        items++;
        if (Objects.equals(expected.schemaVersion(), restored.schemaVersion())) {
            matched++;
        } else {
            out.add("SCHEMA VERSION: " + expected.schemaVersion() + " in the manifest, " + restored.schemaVersion()
                    + " restored");
        }
        return new ParityCheck(items, matched, out);
    }

    /** Matched items over all items: 1 only when everything matched. */
    public double ratio() {
        return items == 0 ? 0 : (double) matched / items;
    }

    public boolean complete() {
        return matched == items;
    }

    /**
     * {@code PARITY:100%} when everything matched; otherwise the share rounded down to one decimal
     * ({@code PARITY:99.9%}), so a single mismatch never shows as 100%.
     */
    public String parityLine() {
        if (complete()) {
            return "PARITY:100%";
        }
        long tenths = (long) Math.floor(1000.0 * matched / items);
        return "PARITY:" + tenths / 10 + "." + tenths % 10 + "%";
    }
}
