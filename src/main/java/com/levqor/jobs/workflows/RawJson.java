package com.levqor.jobs.workflows;

/** A result that already is JSON text: stored as it is, not parsed and written again. */
public record RawJson(String json) {
}
