package com.levqor.jobs.workflows;

/** {@code fail}: always throws (for drills and tests); its message may be set with {@code {"message":…}}. */
public final class FailWorkflow implements Workflow {
    /** What {@code fail} throws. */
    public static final class DrillFailure extends RuntimeException {
        public DrillFailure(String message) {
            super(message);
        }
    }

    @Override
    public String name() {
        return "fail";
    }

    @Override
    public int cost() {
        return 1;
    }

    @Override
    public String description() {
        return "Always fails (drills and tests); payload.message sets the error.";
    }

    @Override
    public Object run(JobContext context) {
        String message = context.payload().path("message").asText("");
        throw new DrillFailure(message.isEmpty() ? "the fail workflow always fails" : message);
    }
}
