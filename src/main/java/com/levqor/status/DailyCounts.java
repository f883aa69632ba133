package com.levqor.status;

import java.time.LocalDate;

/**
 * How many health samples found one component in each state on one UTC day.
 */
public record DailyCounts(Component component, LocalDate day, int samples, int operational, int underMaintenance,
                          int degradedPerformance, int partialOutage, int majorOutage) {

    /** Atlassian Statuspage's weighting: a partial outage counts as this share of downtime, a major outage fully. */
    static final double PARTIAL_OUTAGE_WEIGHT = 0.3;

    /** The share of the day's samples the component was up (degraded and maintenance count as up). */
    double uptime() {
        return samples == 0 ? 1.0 : 1.0 - downtime() / samples;
    }

    /** Samples of downtime, weighted. */
    double downtime() {
        return majorOutage + PARTIAL_OUTAGE_WEIGHT * partialOutage;
    }

    /** The worst state seen that day. */
    ComponentStatus worst() {
        if (majorOutage > 0) {
            return ComponentStatus.MAJOR_OUTAGE;
        }
        if (partialOutage > 0) {
            return ComponentStatus.PARTIAL_OUTAGE;
        }
        if (degradedPerformance > 0) {
            return ComponentStatus.DEGRADED_PERFORMANCE;
        }
        return underMaintenance > 0 ? ComponentStatus.UNDER_MAINTENANCE : ComponentStatus.OPERATIONAL;
    }

    /** The counts of one sample in one state. */
    static DailyCounts of(Component c, LocalDate day, ComponentStatus s) {
        return new DailyCounts(c, day, 1, s == ComponentStatus.OPERATIONAL ? 1 : 0,
                s == ComponentStatus.UNDER_MAINTENANCE ? 1 : 0, s == ComponentStatus.DEGRADED_PERFORMANCE ? 1 : 0,
                s == ComponentStatus.PARTIAL_OUTAGE ? 1 : 0, s == ComponentStatus.MAJOR_OUTAGE ? 1 : 0);
    }

    DailyCounts plus(DailyCounts o) {
        return new DailyCounts(component, day, samples + o.samples, operational + o.operational,
                underMaintenance + o.underMaintenance, degradedPerformance + o.degradedPerformance,
                partialOutage + o.partialOutage, majorOutage + o.majorOutage);
    }
}
