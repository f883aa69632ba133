package com.levqor.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.email.Templates;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Levqor's incident texts against the runbook's "Incident Communication Templates", line for line. */
class IncidentTextTest {
    final IncidentText texts = new IncidentText(new Mustaches());
    final Instant posted = Instant.parse("2026-12-04T18:30:41Z");

    private String render(RunbookTemplate t) {
        return texts.render(t.title, t.status, t.message, t.workaround, null, null, t.nextUpdateMinutes, posted);
    }

    @Test
    void theMinorTemplateIsTheRunbooks() {
        assertThat(render(RunbookTemplate.MINOR)).isEqualTo(
                RunbookBlocks.template("Status Page Update (Minor Incident)").replace("[TIME]", "2026-12-04 18:30"));
    }

    @Test
    void theMajorTemplateIsTheRunbooks() {
        assertThat(render(RunbookTemplate.MAJOR)).isEqualTo(
                RunbookBlocks.template("Status Page Update (Major Incident)").replace("[TIME]", "2026-12-04 18:30"));
    }

    @Test
    void resolvingWithRootCauseAndFixIsTheResolutionAnnouncement() {
        String text = texts.render("Payment Processing Delays", IncidentStatus.RESOLVED,
                "The issue affecting payment confirmations has been resolved. All delayed emails have been sent. "
                        + "We're monitoring closely to ensure stability.", null,
                "Webhook signature verification misconfiguration",
                "Updated STRIPE_WEBHOOK_SECRET and restarted services", null, posted);
        assertThat(text).isEqualTo(RunbookBlocks.template("Resolution Announcement").replace("[TIME]", "2026-12-04 18:30"));
    }

    @Test
    void optionalPartsAreLeftOutWholeLinesAndAll() {
        String text = texts.render("Queue delays", IncidentStatus.MONITORING, "A fix is in.\nWatching it.", null, null,
                "Restarted Redis", 1, posted);
        assertThat(text).isEqualTo("""
                [Monitoring] Queue delays

                A fix is in.
                Watching it.

                Fix: Restarted Redis

                Posted: 2026-12-04 18:30 UTC
                Next update: 1 minute""");
    }

    @Test
    void theIncidentEmailIsTheRunbooksLineForLine() {
        Templates email = new Templates(new ObjectMapper(), "support@levqor.com");
        Incident resolved = new Incident(UUID.randomUUID(), "Payment Processing Delays", Impact.MAJOR,
                List.of(Component.PAYMENTS, Component.EMAIL), IncidentStatus.RESOLVED,
                Instant.parse("2026-12-04T18:05:00Z"), Instant.parse("2026-12-04T19:40:00Z"),
                Instant.parse("2026-12-04T19:40:00Z"), List.of());
        Map<String, Object> model = new java.util.HashMap<>(IncidentNotices.model(resolved, new IncidentRequests.Notify(
                java.util.Optional.empty(), null, List.of("[Brief description]"), List.of("[Resolution steps]"),
                List.of("[Prevention measures]"))));
        model.put("name", IncidentNotices.nameOf("ada@example.com"));
        Templates.Rendered r = email.render(Templates.INCIDENT_NOTICE, model);
        String expected = RunbookBlocks.template("Email to Affected Users")
                .replace("[Name]", "ada").replace("[DATE]", "2026-12-04").replace("[START]", "18:05")
                .replace("[END]", "19:40").replace("[FEATURE]", "payments and email delivery");
        assertThat("Subject: " + r.subject() + "\n\n" + r.text().stripTrailing()).isEqualTo(expected);
        assertThat(r.html()).contains("Hi ada,").contains("<li>[Brief description]</li>");
    }

    @Test
    void anIncidentOverMidnightGivesTheEndDayToo() {
        Incident i = new Incident(UUID.randomUUID(), "t", Impact.MINOR, List.of(Component.API), IncidentStatus.RESOLVED,
                Instant.parse("2026-12-04T23:50:00Z"), Instant.parse("2026-12-05T00:20:00Z"),
                Instant.parse("2026-12-05T00:20:00Z"), List.of());
        Map<String, Object> m = IncidentNotices.model(i, new IncidentRequests.Notify(java.util.Optional.empty(),
                "job intake", List.of("a"), List.of("b"), List.of("c")));
        assertThat(m).containsEntry("date", "2026-12-04").containsEntry("start", "23:50")
                .containsEntry("end", "2026-12-05 00:20").containsEntry("feature", "job intake");
    }
}
