package com.levqor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.levqor.config.RedisSettings.Address;
import com.levqor.testing.CliRun;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** REDIS_SENTINELS and its companions: parsed, validated with the other settings, shown masked. */
class RedisSentinelSettingsTest {

    @Test
    void sentinelsMasterAndPasswordsAreParsed() throws Exception {
        Settings s = Settings.parse(Map.of(
                "REDIS_SENTINELS", "10.0.0.5:26379, sentinel-b.internal:26380,[::1]:26381",
                "REDIS_SENTINEL_MASTER", "levqor",
                "REDIS_SENTINEL_PASSWORD", "sentinel-secret",
                "REDIS_PASSWORD", "master-secret",
                "REDIS_DB", "3"));
        RedisSettings.Sentinel sentinel = s.redis().sentinel().orElseThrow();
        assertThat(sentinel.sentinels()).containsExactly(new Address("10.0.0.5", 26379),
                new Address("sentinel-b.internal", 26380), new Address("::1", 26381));
        assertThat(sentinel.masterName()).isEqualTo("levqor");
        assertThat(sentinel.sentinelPassword()).contains("sentinel-secret");
        assertThat(sentinel.masterPassword()).contains("master-secret");
        assertThat(sentinel.database()).isEqualTo(3);
        assertThat(sentinel.describe()).isEqualTo("sentinel master 'levqor' via 10.0.0.5:26379,"
                + "sentinel-b.internal:26380,[::1]:26381/3").doesNotContain("secret");
        assertThat(s.redis().url()).isEmpty();
        assertThat(s.redis().configured()).isTrue();
        assertThat(s.edgeLimitsByName()).containsEntry("RATELIMIT_STORE", "redis");
    }

    @Test
    void redisUrlAndSentinelsTogetherAreAConfigError() {
        InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class, () -> Settings.parse(Map.of(
                "REDIS_URL", "redis://127.0.0.1:6379",
                "REDIS_SENTINELS", "127.0.0.1:26379",
                "REDIS_SENTINEL_MASTER", "levqor")));
        assertThat(e.problems()).containsExactly("REDIS_SENTINELS='127.0.0.1:26379': expected unset when REDIS_URL is set"
                + " (one Redis: either REDIS_URL or REDIS_SENTINELS with REDIS_SENTINEL_MASTER)");
    }

    @Test
    void everyMalformedSentinelAddressIsRefusedNamingTheValue() {
        for (String bad : new String[] {"127.0.0.1", "127.0.0.1:", ":26379", "127.0.0.1:0", "127.0.0.1:65536",
                "127.0.0.1:26379,", "127.0.0.1:26379,,127.0.0.2:26379", "host:port", "::1:26379", "[::1]26379",
                "redis://127.0.0.1:26379", "a b:26379"}) {
            InvalidSettingsException e = catchThrowableOfType(InvalidSettingsException.class, () -> Settings.parse(
                    Map.of("REDIS_SENTINELS", bad, "REDIS_SENTINEL_MASTER", "levqor")));
            assertThat(e).as(bad).isNotNull();
            assertThat(e.problems()).as(bad).containsExactly("REDIS_SENTINELS='" + bad.trim() + "': expected "
                    + RedisSettings.SENTINELS_EXPECTED);
        }
    }

    @Test
    void sentinelsNeedAMasterNameAndCompanionsNeedSentinels() {
        InvalidSettingsException noMaster = catchThrowableOfType(InvalidSettingsException.class,
                () -> Settings.parse(Map.of("REDIS_SENTINELS", "127.0.0.1:26379")));
        assertThat(noMaster.problems()).containsExactly(
                "REDIS_SENTINEL_MASTER=(unset): expected the master name the sentinels monitor, set with REDIS_SENTINELS");

        InvalidSettingsException alone = catchThrowableOfType(InvalidSettingsException.class,
                () -> Settings.parse(Map.of("REDIS_SENTINEL_MASTER", "levqor", "REDIS_PASSWORD", "pw-never-shown",
                        "REDIS_SENTINEL_PASSWORD", "spw-never-shown", "REDIS_DB", "2")));
        assertThat(alone.problems()).hasSize(4);
        assertThat(alone.getMessage()).contains("REDIS_SENTINEL_MASTER='levqor': expected only with REDIS_SENTINELS")
                .contains("REDIS_PASSWORD='****'").contains("REDIS_SENTINEL_PASSWORD='****'").contains("REDIS_DB='2'")
                .doesNotContain("never-shown");
    }

    @Test
    void levqorFlagsShowsTheSentinelsAndMasksBothPasswords() {
        Map<String, String> env = new HashMap<>();
        env.put("LOG_DIR", Path.of("target", "tmp", "flags-sentinel").toString());
        env.put("REDIS_SENTINELS", "127.0.0.1:26379,127.0.0.1:26380");
        env.put("REDIS_SENTINEL_MASTER", "levqor-master");
        env.put("REDIS_SENTINEL_PASSWORD", "sentinel-pw-never-printed");
        env.put("REDIS_PASSWORD", "master-pw-never-printed");
        String out = flagsOutput(env);
        assertThat(out).containsPattern("REDIS_SENTINELS\\s+127\\.0\\.0\\.1:26379,127\\.0\\.0\\.1:26380\\s+\\(env\\)")
                .containsPattern("REDIS_SENTINEL_MASTER\\s+levqor-master\\s+\\(env\\)")
                .containsPattern("REDIS_SENTINEL_PASSWORD\\s+\\(set, hidden\\)")
                .containsPattern("REDIS_PASSWORD\\s+\\(set, hidden\\)")
                .containsPattern("RATELIMIT_STORE\\s+redis")
                .doesNotContain("pw-never-printed");
    }

    @Test
    void levqorFlagsExitsWithStatus2OnAMalformedSentinel() {
        Map<String, String> env = new HashMap<>();
        env.put("LOG_DIR", Path.of("target", "tmp", "flags-sentinel").toString());
        env.put("REDIS_SENTINELS", "127.0.0.1:26379,nope");
        env.put("REDIS_SENTINEL_MASTER", "levqor");
        CliRun run = CliRun.run(env, "flags");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("REDIS_SENTINELS='127.0.0.1:26379,nope'");
    }

    /** {@code levqor flags} with {@code env}: its standard output, after checking it exited with 0. */
    private static String flagsOutput(Map<String, String> env) {
        CliRun run = CliRun.run(env, "flags");
        assertThat(run.status()).as(run.err()).isEqualTo(0);
        return run.out();
    }
}
