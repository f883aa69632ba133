package com.levqor.status;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A part of the service the status page shows, in the order it shows them. Incidents and maintenance
 * name them by their {@link #wire()} word.
 */
public enum Component {
    API("API", "The HTTP API: job intake, status and the rest", "the API"),
    DATABASE("Database", "Where every job and account is kept", "job storage"),
    QUEUE("Job queue", "Delivery of jobs to workers", "job processing"),
    PAYMENTS("Payments", "Billing and payment confirmations", "payments"),
    EMAIL("Email", "Emails Levqor sends", "email delivery");

    private final String label;
    private final String description;
    private final String feature;

    Component(String label, String description, String feature) {
        this.label = label;
        this.description = description;
        this.feature = feature;
    }

    /** How a sentence names what users felt: "may have affected job processing". */
    public String feature() {
        return feature;
    }

    /** The word of the API and the database: {@code api}, {@code database}… */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The name people read on the page. */
    public String label() {
        return label;
    }

    public String description() {
        return description;
    }

    public static Optional<Component> fromWire(String word) {
        return Arrays.stream(values()).filter(c -> c.wire().equals(word)).findFirst();
    }

    /** The words accepted, for error messages. */
    public static String words() {
        return String.join(", ", Arrays.stream(values()).map(Component::wire).toList());
    }
}
