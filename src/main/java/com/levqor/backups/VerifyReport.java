package com.levqor.backups;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one restore-verify: which backup, how it compared, how long restore plus
 * verification took (the RTO), and what became of the scratch database.
 *
 * @param file         the backup verified
 * @param manifest     its manifest
 * @param parity       the comparison (psql's failure, if any, is one of its items)
 * @param rtoSeconds   restore plus verification, in seconds (from the SHA-256 check to the comparison)
 * @param restored     what the restored database held
 * @param scratch      where it was restored (a scratch database, or RESTORE_VERIFY_DATABASE_URL's)
 * @param cleanupError why the scratch database could not be dropped or emptied, or null
 */
public record VerifyReport(Path file, Manifest manifest, ParityCheck parity, double rtoSeconds,
                           DatabaseContent restored, String scratch, String cleanupError) {

    /** True at PARITY 100%. */
    public boolean passed() {
        return parity.complete();
    }

    /** {@code RTO: 0.4 minutes}: one decimal, rounded half up. */
    public String rtoLine() {
        return "RTO: " + BigDecimal.valueOf(rtoSeconds / 60.0).setScale(1, RoundingMode.HALF_UP).toPlainString()
                + " minutes";
    }

    /** What the command prints: PARITY, RTO, then one line per item that differs. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(parity.parityLine());
        out.add(rtoLine());
        out.addAll(parity.mismatches());
        return out;
    }

    /** A one-line summary of what failed, for the run's row and the alert. */
    public String failureSummary() {
        return parity.parityLine() + " for " + file.getFileName() + ": " + String.join("; ", parity.mismatches());
    }
}
