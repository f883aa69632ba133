package com.levqor.ops;

import com.levqor.runtime.Duty;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the log files ({@code LOG_DIR/app.log}, {@code LOG_DIR/errors.jsonl}) can be written, as
 * {@code "logs":"ok"|"failing"} in {@code GET /ops/uptime} (failing makes the service
 * {@code degraded}, still 200) and the gauge {@code levqor_logs_writable} (1 or 0). A log folder
 * that cannot be written (removed, replaced, read-only, full) never fails or blocks a request or a
 * job: the lines meant for it are lost (up to 64 KiB of them wait in each file's buffer and are written
 * when it clears). {@link #repair()} is the duty that notices and repairs it every
 * {@link #CHECK_INTERVAL}: once the folder can be written again, the files are reopened or the
 * waiting lines written, and logging resumes by itself. Each change is logged once (an ERROR while it
 * fails reaches the console, a WARN once it is over with the bytes dropped meanwhile).
 */
public final class LogFiles implements ServiceCheck {
    private static final Logger log = LoggerFactory.getLogger(LogFiles.class);
    /** How often the files are checked and repaired. */
    public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    /** Registers {@code levqor_logs_writable} on the registry of {@code metrics}. */
    public LogFiles(Metrics metrics) {
        GaugeWithCallback.builder()
                .name("levqor_logs_writable")
                .help("1 when the log files (app.log, errors.jsonl in LOG_DIR) can be written, 0 when one cannot")
                .callback(cb -> cb.call(LogSetup.filesWritable() ? 1 : 0))
                .register(metrics.registry());
    }

    @Override
    public String name() {
        return "logs";
    }

    @Override
    public boolean critical() {
        return false;
    }

    /** Reads the state of the last write and the last check: no I/O, answers at once. */
    @Override
    public State check() {
        return LogSetup.filesWritable() ? State.OPERATIONAL : State.DEGRADED;
    }

    @Override
    public String wire(State state) {
        return state == State.OPERATIONAL ? "ok" : "failing";
    }

    /** The duty that checks and repairs the files every {@link #CHECK_INTERVAL}. */
    public Duty repair() {
        return new Duty() {
            private Map<String, String> failing = new LinkedHashMap<>();
            private long droppedAtStart;

            @Override
            public String name() {
                return "log-files";
            }

            @Override
            public Duration interval() {
                return CHECK_INTERVAL;
            }

            @Override
            public boolean runOnce() {
                Map<String, String> now = LogSetup.checkFiles();
                if (!now.isEmpty() && failing.isEmpty()) {
                    droppedAtStart = LogSetup.droppedBytes();
                }
                now.forEach((file, why) -> {
                    if (!failing.containsKey(file)) {
                        log.error("Cannot write the log file {} ({}): requests and jobs go on; its lines are lost "
                                + "until it can be written again (checked every {} s)", file, why,
                                CHECK_INTERVAL.toSeconds());
                    }
                });
                if (now.isEmpty() && !failing.isEmpty()) {
                    log.warn("The log files can be written again ({}); {} bytes of log lines were dropped meanwhile",
                            String.join(", ", failing.keySet()), LogSetup.droppedBytes() - droppedAtStart);
                }
                failing = now;
                return false;
            }
        };
    }
}
