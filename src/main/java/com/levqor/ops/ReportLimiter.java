package com.levqor.ops;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many error reports one source may write, per type: a token bucket per type and source
 * ({@code ERROR_REPORTS_PER_MINUTE} reports, refilled evenly over a minute). A report over it is
 * suppressed and counted; when the source's suppression ends (its bucket has a report's worth again),
 * one summary says how many were suppressed. Keeps the {@link #MAX_SOURCES} most recently seen type and
 * source pairs (an evicted pair that was suppressing is summarised first).
 */
final class ReportLimiter {
    /** Type and source pairs kept at most. */
    static final int MAX_SOURCES = 10_000;
    /** Buckets whose suppression may have ended are looked at no more often than this. */
    private static final long SCAN_EVERY_MILLIS = 1_000;

    /** Reports suppressed from one source, of one type, from {@code sinceMillis} until they were summarised. */
    record Summary(String type, String source, long suppressed, long sinceMillis) {
    }

    /** Whether to write a report, and the summaries of suppressions that ended, to write before it. */
    record Admission(boolean write, List<Summary> summaries) {
    }

    private record Key(String type, String source) {
    }

    private static final class Bucket {
        double tokens;
        long lastMillis;
        long suppressed;
        long suppressedSinceMillis;
    }

    private final int perMinute;
    private final Clock clock;
    private final List<Summary> evicted = new ArrayList<>();
    private final Map<Key, Bucket> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Bucket> eldest) {
            if (size() <= MAX_SOURCES) {
                return false;
            }
            Bucket b = eldest.getValue();
            if (b.suppressed > 0) {
                evicted.add(new Summary(eldest.getKey().type(), eldest.getKey().source(), b.suppressed,
                        b.suppressedSinceMillis));
                suppressing--;
            }
            return true;
        }
    };
    private int suppressing;
    private long lastScanMillis;

    /** @param perMinute reports a minute per type and source; 0: no limit */
    ReportLimiter(int perMinute, Clock clock) {
        this.perMinute = perMinute;
        this.clock = clock;
    }

    synchronized Admission admit(String type, String source) {
        if (perMinute <= 0) {
            return new Admission(true, List.of());
        }
        long now = clock.millis();
        List<Summary> summaries = new ArrayList<>(evicted);
        evicted.clear();
        Key key = new Key(type, source);
        Bucket b = buckets.get(key);
        if (b == null) {
            b = new Bucket();
            b.tokens = perMinute;
            b.lastMillis = now;
            buckets.put(key, b);
        }
        refill(b, now);
        boolean write = b.tokens >= 1;
        if (write) {
            b.tokens -= 1;
            if (b.suppressed > 0) {
                summaries.add(summarise(key, b));
            }
        } else {
            if (b.suppressed++ == 0) {
                b.suppressedSinceMillis = now;
                suppressing++;
            }
        }
        if (suppressing > 0 && now - lastScanMillis >= SCAN_EVERY_MILLIS) {
            lastScanMillis = now;
            summaries.addAll(ended(now, false));
        }
        return new Admission(write, summaries);
    }

    /** Summaries of every suppression not summarised yet (at shutdown). */
    synchronized List<Summary> drain() {
        List<Summary> all = new ArrayList<>(evicted);
        evicted.clear();
        all.addAll(ended(clock.millis(), true));
        return all;
    }

    /** Summaries of the suppressions that ended (every one when {@code all}). */
    private List<Summary> ended(long now, boolean all) {
        List<Summary> out = new ArrayList<>();
        for (Iterator<Map.Entry<Key, Bucket>> it = buckets.entrySet().iterator(); it.hasNext() && suppressing > 0; ) {
            Map.Entry<Key, Bucket> e = it.next();
            Bucket b = e.getValue();
            if (b.suppressed > 0) {
                refill(b, now);
                if (all || b.tokens >= 1) {
                    out.add(summarise(e.getKey(), b));
                }
            }
        }
        return out;
    }

    private Summary summarise(Key key, Bucket b) {
        Summary s = new Summary(key.type(), key.source(), b.suppressed, b.suppressedSinceMillis);
        b.suppressed = 0;
        suppressing--;
        return s;
    }

    private void refill(Bucket b, long now) {
        if (now > b.lastMillis) {
            b.tokens = Math.min(perMinute, b.tokens + (now - b.lastMillis) * perMinute / 60_000.0);
            b.lastMillis = now;
        }
    }
}
