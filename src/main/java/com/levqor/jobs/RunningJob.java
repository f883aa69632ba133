package com.levqor.jobs;

import com.levqor.jobs.queue.JobSource;

/**
 * A claimed job held by this process, from the claim until its outcome is recorded: the thread
 * running it (once started), its deadline, and why it was told to stop, if it was.
 */
final class RunningJob {
    /** Why a running job was interrupted. */
    enum Stop { NONE, TIMEOUT, CANCELLED, LEASE_LOST, SHUTDOWN }

    final ClaimedJob job;
    final JobSource source;
    private Thread thread;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private volatile Stop stop = Stop.NONE;
    private volatile boolean started;

    RunningJob(ClaimedJob job, JobSource source) {
        this.job = job;
        this.source = source;
    }

    /** Binds the job to the current thread; false when it was stopped before it started. */
    synchronized boolean start(long deadlineNanos) {
        started = true;
        if (stop != Stop.NONE) {
            return false;
        }
        this.thread = Thread.currentThread();
        this.deadlineNanos = deadlineNanos;
        return true;
    }

    /** Unbinds the thread and clears an interrupt meant for this job, so the pool thread goes on clean. */
    synchronized void finish() {
        thread = null;
        Thread.interrupted();
    }

    /** Asks the job to stop (the first reason wins) and interrupts its thread if it runs. */
    synchronized void interrupt(Stop reason) {
        if (stop == Stop.NONE) {
            stop = reason;
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    Stop stop() {
        return stop;
    }

    boolean started() {
        return started;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    synchronized boolean running() {
        return thread != null;
    }
}
