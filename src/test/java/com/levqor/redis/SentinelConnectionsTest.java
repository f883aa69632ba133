package com.levqor.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.levqor.config.RedisSettings;
import com.levqor.config.RedisSettings.Address;
import com.levqor.testing.TestSentinels;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** RedisConnections through real sentinels: their passwords and the master's, and sentinels that do not answer. */
class SentinelConnectionsTest {

    private static RedisSettings settings(List<Address> sentinels, String master, String sentinelPassword,
                                          String masterPassword) {
        return new RedisSettings(Optional.empty(), Optional.of(new RedisSettings.Sentinel(sentinels, master,
                Optional.ofNullable(sentinelPassword), Optional.ofNullable(masterPassword), 0)), 4, 500, 50);
    }

    private static List<Address> addresses(TestSentinels set) {
        return set.sentinelPorts().stream().map(p -> new Address("127.0.0.1", p)).toList();
    }

    @Test
    void sentinelAndMasterPasswordsReachTheMasterTheSentinelsName() {
        try (TestSentinels set = TestSentinels.start("levqor-auth", "master-pw-1", "sentinel-pw-1");
             RedisConnections redis = RedisConnections.open(settings(addresses(set), "levqor-auth", "sentinel-pw-1",
                     "master-pw-1")).orElseThrow()) {
            redis.health().start();
            assertThat(redis.health().up()).as(redis.health().lastError()).isTrue();
            redis.client().set("levqor:sentinel-test", "written through the sentinel-named master");
            try (Jedis master = new Jedis("127.0.0.1", set.masterPort())) {
                master.auth("master-pw-1");
                assertThat(master.get("levqor:sentinel-test")).isEqualTo("written through the sentinel-named master");
            }
            assertThat(redis.description()).contains("levqor-auth").contains(":" + set.masterPort())
                    .doesNotContain("pw-1");
        }
    }

    @Test
    void wrongMasterPasswordLeavesRedisDownInsteadOfFailingTheStart() {
        try (TestSentinels set = TestSentinels.start("levqor-badpw", "master-pw-2", null);
             RedisConnections redis = RedisConnections.open(settings(addresses(set), "levqor-badpw", null,
                     "not-the-password")).orElseThrow()) {
            redis.health().start();
            assertThat(redis.health().up()).isFalse();
            assertThat(redis.health().lastError()).containsIgnoringCase("WRONGPASS").doesNotContain("not-the-password");
        }
    }

    @Test
    void noSentinelAnsweringFailsTheStartNamingTheSentinelsAndTheVariables() throws IOException {
        int nobody;
        try (ServerSocket s = new ServerSocket(0)) {
            nobody = s.getLocalPort();
        }
        RedisSettings none = settings(List.of(new Address("127.0.0.1", nobody)), "levqor-none", null, null);
        IllegalStateException e = catchThrowableOfType(IllegalStateException.class, () -> RedisConnections.open(none));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("127.0.0.1:" + nobody).contains("levqor-none").contains("REDIS_SENTINELS");
    }

    @Test
    void wrongSentinelPasswordFailsTheStartWithoutPrintingIt() {
        try (TestSentinels set = TestSentinels.start("levqor-sentinel-pw", null, "sentinel-pw-3")) {
            IllegalStateException e = catchThrowableOfType(IllegalStateException.class, () -> RedisConnections.open(
                    settings(addresses(set), "levqor-sentinel-pw", "not-the-sentinel-password", null)));
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("REDIS_SENTINEL_PASSWORD").doesNotContain("not-the-sentinel-password");
        }
    }
}
