package com.levqor.email;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The email templates: for each name a folder {@code src/main/resources/email/<name>/} with
 * {@code subject.mustache}, {@code text.mustache} and {@code html.mustache}, rendered by
 * mustache.java. The HTML part escapes every value; the text part and the subject do not (they are
 * plain text in Resend's JSON). Every model also gets {@code support_email} ({@code SUPPORT_EMAIL}).
 */
public final class Templates {
    public static final String PAYMENT_CONFIRMATION = "payment_confirmation";
    public static final String PAYMENT_FAILED = "payment_failed";
    public static final String PLAN_DOWNGRADED = "plan_downgraded";
    public static final String BACKUP_FAILURE = "backup_failure";
    public static final String DLQ_ALERT = "dlq_alert";
    /** The runbook's "Email to Affected Users" (incident communication). */
    public static final String INCIDENT_NOTICE = "incident_notice";
    /** Every template name; {@link Outbox#queue} refuses others. */
    public static final List<String> NAMES = List.of(PAYMENT_CONFIRMATION, PAYMENT_FAILED, PLAN_DOWNGRADED,
            BACKUP_FAILURE, DLQ_ALERT, INCIDENT_NOTICE);

    /** One email ready to send. */
    public record Rendered(String subject, String text, String html) {
    }

    private static final String ROOT = "email";
    private final DefaultMustacheFactory html = new DefaultMustacheFactory(ROOT);
    private final DefaultMustacheFactory plain = new DefaultMustacheFactory(ROOT) {
        @Override
        public void encode(String value, Writer writer) {
            try {
                writer.write(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private final Map<String, Mustache> compiled = new ConcurrentHashMap<>();
    private final ObjectMapper mapper;
    private final String supportEmail;

    public Templates(ObjectMapper mapper, String supportEmail) {
        this.mapper = mapper;
        this.supportEmail = supportEmail;
    }

    /** Renders a template with a model given as JSON (as the outbox stores it). */
    public Rendered render(String template, String modelJson) {
        Map<String, Object> model;
        try {
            model = mapper.readValue(modelJson, new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new IllegalArgumentException("The model of an email of template " + template + " is not a JSON object", e);
        }
        return render(template, model);
    }

    public Rendered render(String template, Map<String, ?> model) {
        if (!NAMES.contains(template)) {
            throw new IllegalArgumentException("Unknown email template '" + template + "'");
        }
        Map<String, Object> scope = new HashMap<>(model);
        scope.putIfAbsent("support_email", supportEmail);
        String subject = run(plain, template + "/subject.mustache", scope).replaceAll("[\\r\\n]+", " ").trim();
        return new Rendered(subject, run(plain, template + "/text.mustache", scope),
                run(html, template + "/html.mustache", scope));
    }

    private String run(DefaultMustacheFactory factory, String name, Map<String, Object> scope) {
        Mustache m = compiled.computeIfAbsent((factory == html ? "html:" : "text:") + name, k -> factory.compile(name));
        StringWriter out = new StringWriter();
        m.execute(out, scope);
        return out.toString();
    }
}
