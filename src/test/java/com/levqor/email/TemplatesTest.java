package com.levqor.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {
    final Templates templates = new Templates(new ObjectMapper(), "help@example.com");

    @Test
    void htmlEscapesValuesAndTextKeepsThem() {
        Templates.Rendered r = templates.render(Templates.DLQ_ALERT, Map.of("job_id", "j1", "workflow", "echo",
                "error", "<script>alert('x')</script> & more", "attempts", 3));
        assertThat(r.html()).contains("&lt;script&gt;").doesNotContain("<script>");
        assertThat(r.text()).contains("<script>alert('x')</script> & more");
        assertThat(r.subject()).isEqualTo("[Levqor] Job j1 (echo) went to the dead-letter queue");
    }

    @Test
    void everyTemplateRendersItsThreeParts() {
        for (String name : Templates.NAMES) {
            Templates.Rendered r = templates.render(name, Map.of());
            assertThat(r.subject()).as(name).isNotBlank().doesNotContain("\n");
            assertThat(r.text()).as(name).isNotBlank();
            assertThat(r.html()).as(name).startsWith("<!DOCTYPE html>");
        }
    }

    @Test
    void theIncidentEmailIsTheRunbooksTemplate() {
        Templates.Rendered r = templates.render(Templates.INCIDENT_NOTICE, Map.of("name", "Ada", "date", "2026-03-01",
                "start", "10:00", "end", "10:20", "feature", "job intake",
                "what_happened", List.of("Database failover"), "what_we_did", List.of("Promoted the replica"),
                "prevention", List.of("Faster failover")));
        assertThat(r.subject()).isEqualTo("Brief Service Disruption - Resolved");
        assertThat(r.text()).contains("Hi Ada,").contains("on 2026-03-01 from 10:00 to 10:20 UTC that may have affected job intake")
                .contains("- Database failover").contains("please contact help@example.com");
    }

    @Test
    void unknownTemplatesAreRefused() {
        assertThatThrownBy(() -> templates.render("nope", Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
