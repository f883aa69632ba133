package com.levqor.jobs.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LocalQueueTest {
    static List<JobRef> refs(int n, Priority p) {
        List<JobRef> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new JobRef(UUID.randomUUID(), p));
        }
        return out;
    }

    @Test
    void highPriorityFirstThenArrivalOrderAndAnIdWaitingIsNotAddedTwice() throws Exception {
        LocalQueue q = new LocalQueue(10);
        List<JobRef> low = refs(2, Priority.LOW);
        List<JobRef> high = refs(1, Priority.HIGH);
        q.offer(low);
        q.offer(high);
        q.offer(low.subList(0, 1));
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.take(10, 0)).containsExactly(high.get(0), low.get(0), low.get(1));
        assertThat(q.size()).isZero();
        assertThat(q.take(10, 0)).isEmpty();
    }

    @Test
    void roomCountsDownToZeroAndTheBoundIsSoftForWhatIsOffered() {
        LocalQueue q = new LocalQueue(100);
        assertThat(q.capacity()).isEqualTo(100);
        assertThat(q.room()).isEqualTo(100);
        q.offer(refs(60, Priority.NORMAL));
        assertThat(q.room()).isEqualTo(40);
        assertThat(q.hasRoom()).isTrue();
        q.offer(refs(60, Priority.NORMAL)); // committed jobs are never dropped
        assertThat(q.size()).isEqualTo(120);
        assertThat(q.room()).isZero();
        assertThat(q.hasRoom()).isFalse();
        assertThatThrownBy(() -> new LocalQueue(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTakeBelowHalfFullWakesTheListenerOnceAfterJobsWereParked() throws Exception {
        LocalQueue q = new LocalQueue(100);
        AtomicInteger wakes = new AtomicInteger();
        q.onLow(wakes::incrementAndGet);
        q.offer(refs(100, Priority.NORMAL));
        q.take(60, 0); // 40 left, nothing parked yet
        assertThat(wakes).hasValue(0);

        q.offer(refs(60, Priority.NORMAL));
        q.markParked(); // full: intake left jobs in Postgres
        assertThat(wakes).hasValue(0);
        q.take(10, 0); // 90 left: still above half
        assertThat(wakes).hasValue(0);
        q.take(41, 0); // 49 left
        assertThat(wakes).hasValue(1);
        q.take(40, 0); // the wake was spent: the next comes with the next parking
        assertThat(wakes).hasValue(1);
    }

    @Test
    void parkingWhileAlreadyBelowHalfWakesAtOnce() {
        LocalQueue q = new LocalQueue(100);
        AtomicInteger wakes = new AtomicInteger();
        q.onLow(wakes::incrementAndGet);
        q.offer(refs(10, Priority.NORMAL));
        q.markParked(); // the workers emptied it between the check and the parking: no take would notice
        assertThat(wakes).hasValue(1);
    }
}
