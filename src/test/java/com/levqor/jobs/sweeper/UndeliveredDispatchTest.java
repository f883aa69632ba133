package com.levqor.jobs.sweeper;

import static com.levqor.db.jooq.Tables.JOBS;
import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.config.RedisSettings;
import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.JobState;
import com.levqor.jobs.model.Priority;
import com.levqor.jobs.queue.Dispatcher;
import com.levqor.jobs.queue.LocalQueue;
import com.levqor.jobs.queue.RedisQueue;
import com.levqor.redis.RedisConnections;
import com.levqor.runtime.Scheduler;
import com.levqor.testing.Await;
import com.levqor.testing.JobRows;
import com.levqor.testing.TestRedis;
import com.levqor.testing.Threads;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UndeliveredDispatchTest {
    static final Duration REDISPATCH_AFTER = Duration.ofSeconds(10);

    static Dispatcher syncWithWorkers(LocalQueue local) {
        return new Dispatcher(Optional.empty(), Optional.empty(), false, local, true, (async, up) -> { });
    }

    @Test
    void dispatchesUndeliveredJobsWhileRunningAndNothingAfterItsSchedulerCloses() {
        try (JobRows rows = JobRows.open()) {
            LocalQueue local = new LocalQueue(10_000);
            UUID undelivered = rows.queued(Priority.NORMAL, Instant.now().minusSeconds(1), null);
            UUID delayed = rows.queued(Priority.NORMAL, Instant.now().plusSeconds(600), null);
            Scheduler scheduler = new Scheduler();
            scheduler.add(new UndeliveredDispatch(rows.store(), syncWithWorkers(local), Clock.systemUTC(),
                    Duration.ofMillis(50), REDISPATCH_AFTER, 100));
            scheduler.start();
            Await.until("the undelivered job is dispatched", Duration.ofSeconds(10), () -> local.size() == 1);
            assertThat(rows.row(undelivered).getDispatchedAt()).isNotNull();
            assertThat(rows.row(delayed).getDispatchedAt()).as("not due yet").isNull();
            assertThat(Threads.alive("levqor-undelivered-dispatch")).isTrue();

            scheduler.close();
            Threads.awaitGone("levqor-undelivered-dispatch");
            UUID after = rows.queued(Priority.NORMAL, Instant.now().minusSeconds(1), null);
            Await.sleep(300);
            assertThat(rows.row(after).getDispatchedAt()).as("no dispatch after close").isNull();
        }
    }

    @Test
    void aSwitchToSyncDispatchesABacklogLargerThanABatchOnceEach() throws Exception {
        try (JobRows rows = JobRows.open()) {
            LocalQueue local = new LocalQueue(10_000);
            Instant longAgo = Instant.now().minusSeconds(60);
            List<UUID> backlog = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                backlog.add(rows.queued(Priority.NORMAL, longAgo.plusMillis(i), longAgo.plusMillis(i)));
            }
            UndeliveredDispatch dispatch = new UndeliveredDispatch(rows.store(), syncWithWorkers(local),
                    Clock.systemUTC(), Duration.ofHours(1), REDISPATCH_AFTER, 10);
            dispatch.redispatchAll();
            List<Boolean> more = new ArrayList<>();
            while (more.size() < 10) {
                boolean m = dispatch.runOnce();
                more.add(m);
                if (!m) {
                    break;
                }
            }
            // Each round takes the next ten, not the same ten oldest again.
            assertThat(more).containsExactly(true, true, false);
            assertThat(local.size()).isEqualTo(25);
            assertThat(new HashSet<>(local.take(100, 0).stream().map(JobRef::id).toList()))
                    .containsExactlyInAnyOrderElementsOf(backlog);
            assertThat(dispatch.runOnce()).as("the pass is over").isFalse();
            assertThat(local.size()).isZero();
        }
    }

    @Test
    void inSyncModeARoundTakesNoMoreThanTheLocalQueueHasRoomForAndATakeBelowHalfWakesIt() throws Exception {
        try (JobRows rows = JobRows.open()) {
            LocalQueue local = new LocalQueue(10);
            List<UUID> backlog = new ArrayList<>();
            Instant ago = Instant.now().minusSeconds(5);
            for (int i = 0; i < 25; i++) {
                backlog.add(rows.queued(Priority.NORMAL, ago.plusMillis(i), null));
            }
            List<String> wakes = new ArrayList<>();
            local.onLow(() -> wakes.add("wake"));
            UndeliveredDispatch dispatch = new UndeliveredDispatch(rows.store(), syncWithWorkers(local),
                    Clock.systemUTC(), Duration.ofHours(1), REDISPATCH_AFTER, 100);

            assertThat(dispatch.runOnce()).as("no room for a next round").isFalse();
            assertThat(local.size()).isEqualTo(10);
            assertThat(undelivered(rows, backlog)).as("the rest waits in Postgres").isEqualTo(15);
            assertThat(dispatch.runOnce()).isFalse();
            assertThat(local.size()).as("full: nothing taken").isEqualTo(10);
            assertThat(undelivered(rows, backlog)).isEqualTo(15);

            List<JobRef> first = local.take(6, 0);
            assertThat(first).extracting(JobRef::id).containsExactlyElementsOf(backlog.subList(0, 6));
            assertThat(wakes).as("below half after jobs were parked").hasSize(1);
            dispatch.runOnce();
            assertThat(local.size()).isEqualTo(10);
            assertThat(undelivered(rows, backlog)).isEqualTo(9);

            List<UUID> taken = new ArrayList<>(first.stream().map(JobRef::id).toList());
            while (taken.size() < 25) {
                List<JobRef> refs = local.take(10, 0);
                refs.forEach(r -> taken.add(r.id()));
                dispatch.runOnce();
            }
            assertThat(taken).as("each once, oldest first").containsExactlyElementsOf(backlog);
            assertThat(undelivered(rows, backlog)).isZero();
        }
    }

    private static long undelivered(JobRows rows, List<UUID> ids) {
        return ids.stream().filter(id -> rows.row(id).getDispatchedAt() == null).count();
    }

    /** A Redis queue in async mode on its own redis-server, with nobody taking its ids. */
    private static final class AsyncQueue implements AutoCloseable {
        final TestRedis redis = TestRedis.start();
        final RedisConnections pool = RedisConnections.open(new RedisSettings(Optional.of(URI.create(redis.url())),
                4, 1_000, 50)).orElseThrow();
        final RedisQueue queue = new RedisQueue(pool, "test-worker");
        final Dispatcher dispatcher = new Dispatcher(Optional.of(queue), Optional.of(pool.health()), true,
                new LocalQueue(10_000), false, (async, up) -> { });

        AsyncQueue() {
            pool.health().start();
            dispatcher.start();
            assertThat(dispatcher.async()).isTrue();
        }

        List<String> lane(Priority p) {
            return pool.client().lrange(RedisQueue.PREFIX + "queue:" + p.wire(), 0, -1);
        }

        @Override
        public void close() {
            pool.close();
            redis.close();
        }
    }

    /** Queued jobs dispatched at the given instants, pushed to Redis in that order (as intake would). */
    private static List<UUID> pushed(JobRows rows, AsyncQueue q, Instant... dispatchedAt) {
        List<UUID> ids = new ArrayList<>();
        for (Instant t : dispatchedAt) {
            UUID id = rows.queued(Priority.NORMAL, t, t);
            ids.add(id);
            q.queue.push(List.of(new JobRef(id, Priority.NORMAL)));
        }
        return ids;
    }

    @Test
    void aLostIdIsSentAgainOnceTheBacklogAheadOfItHasLeftAndTheBacklogNeverTwice() {
        try (JobRows rows = JobRows.open(); AsyncQueue q = new AsyncQueue()) {
            Instant now = Instant.now();
            UndeliveredDispatch dispatch = new UndeliveredDispatch(rows.store(), q.dispatcher, Clock.systemUTC(),
                    Duration.ofHours(1), REDISPATCH_AFTER, 100);
            // Lost long before the backlog was pushed: everything ahead of it has been taken.
            UUID lostEarly = rows.queued(Priority.NORMAL, now.minusSeconds(300), now.minusSeconds(300));
            List<UUID> backlog = pushed(rows, q, now.minusSeconds(120), now.minusSeconds(90), now.minusSeconds(60),
                    now.minusSeconds(30));
            // Lost while the backlog waits, pushed after its head: the ids ahead of it must leave first.
            UUID lostLate = rows.queued(Priority.NORMAL, now.minusSeconds(75), now.minusSeconds(75));

            dispatch.runOnce();
            List<String> lane = q.lane(Priority.NORMAL);
            assertThat(lane.get(0)).as("the early lost id, at the front").isEqualTo(lostEarly.toString());
            assertThat(lane.subList(1, lane.size())).as("the backlog, once")
                    .containsExactlyElementsOf(backlog.stream().map(UUID::toString).toList());
            dispatch.runOnce();
            assertThat(q.lane(Priority.NORMAL)).as("nothing sent twice").isEqualTo(lane);

            // Workers take (and run) the early lost id and the head of the backlog: the next waiting id was
            // dispatched 90 s ago, before the late lost id; it is not known lost yet.
            takeAndRun(rows, q, 2);
            dispatch.runOnce();
            assertThat(q.lane(Priority.NORMAL)).doesNotContain(lostLate.toString());
            // The next one leaves too: the head was dispatched 60 s ago, 15 s (more than REDISPATCH_AFTER)
            // after the late lost id, which therefore has left the list: it goes back to the front.
            takeAndRun(rows, q, 1);
            dispatch.runOnce();
            assertThat(q.lane(Priority.NORMAL)).containsExactly(lostLate.toString(), backlog.get(2).toString(),
                    backlog.get(3).toString());
        }
    }

    private static void takeAndRun(JobRows rows, AsyncQueue q, int n) {
        for (int i = 0; i < n; i++) {
            String taken = q.pool.client().lpop(RedisQueue.PREFIX + "queue:normal");
            rows.database().dsl().update(JOBS).set(JOBS.STATE, JobState.SUCCEEDED.wire())
                    .where(JOBS.ID.eq(UUID.fromString(taken))).execute();
        }
    }

    @Test
    void withEveryListEmptyAnIdDispatchedLongerAgoThanRedispatchAfterIsLost() {
        try (JobRows rows = JobRows.open(); AsyncQueue q = new AsyncQueue()) {
            Instant now = Instant.now();
            UUID stale = rows.queued(Priority.HIGH, now.minusSeconds(30), now.minusSeconds(30));
            UUID recent = rows.queued(Priority.HIGH, now.minusSeconds(1), now.minusSeconds(1));
            UndeliveredDispatch dispatch = new UndeliveredDispatch(rows.store(), q.dispatcher, Clock.systemUTC(),
                    Duration.ofHours(1), REDISPATCH_AFTER, 100);
            dispatch.runOnce();
            assertThat(q.lane(Priority.HIGH)).containsExactly(stale.toString());
            assertThat(q.lane(Priority.HIGH)).doesNotContain(recent.toString());
            dispatch.runOnce();
            assertThat(q.lane(Priority.HIGH)).as("once").containsExactly(stale.toString());
        }
    }
}
