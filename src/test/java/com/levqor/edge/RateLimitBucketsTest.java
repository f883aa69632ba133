package com.levqor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.levqor.edge.RateLimitBuckets.Scope;
import com.levqor.ops.EdgeMetrics;
import com.levqor.ops.Metrics;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Local buckets: bounded, and a spray of client addresses never resets an API key's quota. */
class RateLimitBucketsTest {
    @Test
    void aSprayOfAddressesLeavesEveryKeysQuotaAsItWas() {
        RateLimitBuckets buckets = new RateLimitBuckets(Optional.empty(), new EdgeMetrics(new Metrics()));
        for (int i = 0; i < 3; i++) {
            assertThat(buckets.take(Scope.API_KEY, "lvq_Spent000", 3).allowed()).isTrue();
        }
        assertThat(buckets.take(Scope.API_KEY, "lvq_Spent000", 3).allowed()).isFalse();
        // More addresses than the cache keeps: the oldest addresses go, the key's bucket stays.
        long sprayed = RateLimitBuckets.MAX_LOCAL_BUCKETS + 20_000;
        for (long i = 0; i < sprayed; i++) {
            buckets.take(Scope.IP, "10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff) + "/" + i, 60);
        }
        assertThat(buckets.take(Scope.API_KEY, "lvq_Spent000", 3).allowed()).as("the key is still over its limit").isFalse();
        assertThat(buckets.localBuckets(Scope.IP)).isLessThanOrEqualTo(RateLimitBuckets.MAX_LOCAL_BUCKETS);
        assertThat(buckets.localBuckets(Scope.API_KEY)).isEqualTo(1);
    }

    @Test
    void aPlanChangeGivesTheKeyABucketOfTheNewSize() {
        RateLimitBuckets buckets = new RateLimitBuckets(Optional.empty(), new EdgeMetrics(new Metrics()));
        assertThat(buckets.take(Scope.API_KEY, "lvq_Upgraded", 1).allowed()).isTrue();
        assertThat(buckets.take(Scope.API_KEY, "lvq_Upgraded", 1).allowed()).isFalse();
        RateLimitBuckets.Outcome pro = buckets.take(Scope.API_KEY, "lvq_Upgraded", 600);
        assertThat(pro.allowed()).isTrue();
        assertThat(pro.limit()).isEqualTo(600);
        assertThat(pro.remaining()).isEqualTo(599);
    }
}
