package com.levqor.config;

/**
 * The public status page and its health sampler.
 *
 * @param enabled       {@code STATUS_PAGE_ENABLED}: serve {@code /status}, {@code /status.json}, the Atom feed
 *                      and the badge, and sample health for them (default true); false: those routes answer 404
 *                      and nothing is sampled (the admin incident API works either way)
 * @param title         {@code STATUS_PAGE_TITLE}: the page's name, also {@code page.name} of
 *                      {@code /status.json} (default {@value #DEFAULT_TITLE}), at most {@value #MAX_TITLE_LENGTH} characters
 * @param sampleSeconds {@code STATUS_SAMPLE_SECONDS}: how often the health sampler records each component's
 *                      state for the uptime history, in seconds (default {@value #DEFAULT_SAMPLE_SECONDS})
 *
 * <p>The absolute links of {@code /status.json} and the Atom feed start with {@code PUBLIC_BASE_URL}
 * ({@link BillingSettings#publicBaseUrl()}) when it is set, else with the request's own host.
 */
public record StatusSettings(boolean enabled, String title, int sampleSeconds) {
    public static final String DEFAULT_TITLE = "Levqor Status";
    public static final int MAX_TITLE_LENGTH = 100;
    public static final int DEFAULT_SAMPLE_SECONDS = 60;

    static StatusSettings parse(Env env) {
        String title = env.string("STATUS_PAGE_TITLE", DEFAULT_TITLE);
        if (title.length() > MAX_TITLE_LENGTH || title.chars().anyMatch(Character::isISOControl)) {
            env.problem("STATUS_PAGE_TITLE", title, "a title of at most " + MAX_TITLE_LENGTH
                    + " characters, without control characters");
            title = DEFAULT_TITLE;
        }
        return new StatusSettings(
                env.flag("STATUS_PAGE_ENABLED", true),
                title,
                env.integer("STATUS_SAMPLE_SECONDS", DEFAULT_SAMPLE_SECONDS, 1, 86_400));
    }
}
