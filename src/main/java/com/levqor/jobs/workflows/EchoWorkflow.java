package com.levqor.jobs.workflows;

/** {@code echo}: the result is the payload. Costs 1 unit. */
public final class EchoWorkflow implements Workflow {
    @Override
    public String name() {
        return "echo";
    }

    @Override
    public int cost() {
        return 1;
    }

    @Override
    public String description() {
        return "Returns the payload as the result.";
    }

    @Override
    public Object run(JobContext context) {
        return new RawJson(context.payloadJson());
    }
}
