package com.levqor.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Stripe billing. The billing endpoints answer {@code 503 billing_not_configured} naming
 * what is missing while the secret key, the price or the public URL is unset; the rest of the
 * server runs. {@code STRIPE_WEBHOOK_SECRET} is read by {@link EdgeSettings}.
 *
 * @param secretKey     {@code STRIPE_SECRET_KEY}: the API secret key ({@code sk_live_…}/{@code sk_test_…})
 * @param pricePro      {@code STRIPE_PRICE_PRO}: the recurring price id of the Pro plan ({@code price_…})
 * @param apiBase       {@code STRIPE_API_BASE}: Stripe's API base (default {@value #DEFAULT_API_BASE}; tests point it at a fake)
 * @param publicBaseUrl {@code PUBLIC_BASE_URL}: this server's public URL, for Checkout's success and cancel pages and the portal's return
 * @param timeoutMillis {@code STRIPE_TIMEOUT_MS}: connect and read timeout of one call to Stripe (default {@value #DEFAULT_TIMEOUT_MS} ms)
 */
public record BillingSettings(Optional<String> secretKey, Optional<String> pricePro, URI apiBase,
                              Optional<URI> publicBaseUrl, int timeoutMillis) {
    public static final String DEFAULT_API_BASE = "https://api.stripe.com";
    public static final int DEFAULT_TIMEOUT_MS = 15_000;

    static BillingSettings parse(Env env) {
        Optional<String> price = env.optional("STRIPE_PRICE_PRO");
        if (price.isPresent() && !price.get().matches("[A-Za-z0-9_]{1,255}")) {
            env.problem("STRIPE_PRICE_PRO", price.get(), "a Stripe price id such as price_1Abc…");
        }
        return new BillingSettings(env.secret("STRIPE_SECRET_KEY"), price,
                env.httpUrl("STRIPE_API_BASE", false).orElse(URI.create(DEFAULT_API_BASE)),
                env.httpUrl("PUBLIC_BASE_URL", false),
                env.integer("STRIPE_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 100, 300_000));
    }

    /** {@code PUBLIC_BASE_URL} without a trailing slash, for building the return URLs. */
    public String publicBase() {
        String s = publicBaseUrl.orElseThrow().toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** The variables the billing endpoints need that are unset; empty when billing is configured. */
    public List<String> missing() {
        List<String> m = new ArrayList<>();
        if (secretKey.isEmpty()) {
            m.add("STRIPE_SECRET_KEY");
        }
        if (pricePro.isEmpty()) {
            m.add("STRIPE_PRICE_PRO");
        }
        if (publicBaseUrl.isEmpty()) {
            m.add("PUBLIC_BASE_URL");
        }
        return m;
    }

    @Override
    public String toString() {
        return "BillingSettings[secretKey=" + (secretKey.isPresent() ? "set" : "unset") + ", pricePro=" + pricePro
                + ", apiBase=" + apiBase + ", publicBaseUrl=" + publicBaseUrl + "]";
    }
}
