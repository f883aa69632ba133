package com.levqor.jobs.model;

import java.util.UUID;

/** What travels through a queue: a job id and its priority, nothing else. */
public record JobRef(UUID id, Priority priority) {
}
