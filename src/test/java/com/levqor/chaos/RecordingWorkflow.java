package com.levqor.chaos;

import com.levqor.jobs.workflows.JobContext;
import com.levqor.jobs.workflows.Workflow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * {@code chaos.record}: records each execution of a job in a file, so executions are counted across
 * processes (a {@code serve} killed with SIGKILL, a second server, a worker). Payload
 * {@code {"dir":"<folder>","ms":…}}: one line {@code <job id> <attempt> <pid> start <epoch ms>} when the
 * run begins and {@code … done <epoch ms>} when it returns, appended to {@code <folder>/<pid>.log} (one file per
 * process, so lines of two processes never interleave), then it sleeps {@code ms}, before "done".
 */
public final class RecordingWorkflow implements Workflow {
    public static final String NAME = "chaos.record";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int cost() {
        return 1;
    }

    @Override
    public String description() {
        return "Test workflow: records every execution in a file (chaos suite).";
    }

    @Override
    public Map<String, String> validate(com.fasterxml.jackson.databind.JsonNode payload) {
        return payload.path("dir").isTextual() ? Map.of() : Map.of("payload.dir", "must name the record folder");
    }

    @Override
    public Object run(JobContext context) throws Exception {
        Path dir = Path.of(context.payload().get("dir").asText());
        long pid = ProcessHandle.current().pid();
        String prefix = context.jobId() + " " + context.attempt() + " " + pid;
        append(dir, pid, prefix + " start " + System.currentTimeMillis() + "\n");
        long ms = context.payload().path("ms").asLong(0);
        if (ms > 0) {
            Thread.sleep(ms);
        }
        append(dir, pid, prefix + " done " + System.currentTimeMillis() + "\n");
        return Map.of("attempt", context.attempt(), "pid", pid);
    }

    private static synchronized void append(Path dir, long pid, String line) throws IOException {
        Files.createDirectories(dir);
        try (FileChannel out = FileChannel.open(dir.resolve(pid + ".log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            out.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
