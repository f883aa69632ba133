package com.levqor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ErrorLogTest {

    @Test
    void errorsJsonlIsOneJsonObjectPerLineAndRollsBySize() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target", "tmp"), "errorlog-");
        LogSetup.configure(dir, 4_096);
        ErrorReporter reporter = new ErrorReporter(new Metrics(), Optional.empty(), "test", 0, java.time.Clock.systemUTC());
        for (int i = 0; i < 60; i++) {
            reporter.report("job_dead", "job " + i + " went dead", new IllegalArgumentException("bad payload " + i),
                    Map.of("job_id", "job-" + i, "attempt", 3));
            Thread.sleep(5);
        }
        Path current = dir.resolve("errors.jsonl");
        assertThat(dir.resolve("errors.jsonl.1")).as("rolled over at 4 KiB").exists();
        assertThat(Files.size(dir.resolve("errors.jsonl.1"))).isLessThan(64 * 1024);
        ObjectMapper mapper = new ObjectMapper();
        List<String> lines = Files.readAllLines(current);
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            JsonNode j = mapper.readTree(line);
            assertThat(j.get("level").asText()).isEqualTo("ERROR");
            assertThat(j.get("type").asText()).isEqualTo("job_dead");
            assertThat(j.get("job_id").asText()).startsWith("job-");
            assertThat(j.get("attempt").asInt()).isEqualTo(3);
            assertThat(j.get("error_class").asText()).isEqualTo("java.lang.IllegalArgumentException");
            assertThat(j.get("stack").asText()).contains("ErrorLogTest");
        }
    }
}
