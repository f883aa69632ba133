package com.levqor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RequestIdTest {
    @Test
    void newIdsAreRandomVersion4UuidsLikeUuidRandomUuid() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            UUID id = RequestId.random();
            assertThat(id.version()).isEqualTo(4);
            assertThat(id.variant()).isEqualTo(2);
            String text = id.toString();
            assertThat(text).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(seen.add(text)).as("unique").isTrue();
        }
    }

    @Test
    void aSaneCallerIdIsKeptAndAnythingElseReplaced() {
        assertThat(RequestId.choose("trace-42:abc_1.2")).isEqualTo("trace-42:abc_1.2");
        assertThat(RequestId.choose("x".repeat(128))).isEqualTo("x".repeat(128));
        for (String insane : new String[] {null, "", "no spaces", "x".repeat(129), "a\r\nb", "\u00e9"}) {
            assertThat(RequestId.choose(insane)).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        }
    }
}
