package com.levqor.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one syntax check of URLs: callback_url, http.request's url, URL settings and CORS origins use it. */
class HttpUrlsTest {
    @Test
    void acceptsAbsoluteHttpAndHttpsUrlsWithAHost() {
        assertThat(HttpUrls.parse("https://api.example.com/hook?x=1")).isPresent();
        assertThat(HttpUrls.parse("HTTP://127.0.0.1:8080/")).isPresent();
        assertThat(HttpUrls.parse("http://[::1]:8080/x")).isPresent();
    }

    @Test
    void refusesOtherSchemesRelativeUrlsNoHostAndGarbage() {
        for (String bad : new String[] {"ftp://example.com/", "file:///etc/passwd", "/relative", "example.com",
                "http:///path", "http://exa mple.com/", "javascript:alert(1)", "", "gopher://h/"}) {
            assertThat(HttpUrls.parse(bad)).as(bad).isEmpty();
        }
        assertThat(HttpUrls.parse(null)).isEmpty();
    }

    @Test
    void refusesUrlsLongerThanTheLimitGiven() {
        String url = "https://example.com/" + "a".repeat(2028);
        assertThat(url).hasSize(2048);
        assertThat(HttpUrls.parse(url, 2048)).isPresent();
        assertThat(HttpUrls.parse(url + "b", 2048)).isEmpty();
    }

    @Test
    void originsAreSchemeHostAndPortOnlyInLowerCase() {
        assertThat(HttpUrls.origin("https://App.Example.com")).hasValue("https://app.example.com");
        assertThat(HttpUrls.origin("http://localhost:3000")).hasValue("http://localhost:3000");
        for (String bad : new String[] {"https://app.example.com/", "https://app.example.com/x", "https://a.com?q",
                "https://a.com#f", "https://u@a.com", "*", "null"}) {
            assertThat(HttpUrls.origin(bad)).as(bad).isEmpty();
        }
    }
}
