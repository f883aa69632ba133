package com.levqor.abuse;

import com.levqor.api.QueryParams;
import com.levqor.db.Uuids;
import com.levqor.api.ApiException;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/** Admin endpoints of the abuse guards: the runbook's weekly audit of blocks, and lifting one. */
public final class AbuseHandlers {
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1_000;

    private final AbuseBlocks blocks;
    private final Clock clock;
    private final Consumer<String> onLift;

    /** @param onLift told the IP of a lifted block (the guard forgets its failures) */
    public AbuseHandlers(AbuseBlocks blocks, Clock clock, Consumer<String> onLift) {
        this.blocks = blocks;
        this.clock = clock;
        this.onLift = onLift;
    }

    /** {@code GET /ops/abuse/blocks?active=true&limit=}: blocks newest first (all recent ones by default). */
    public void list(Context ctx) {
        String activeParam = ctx.queryParam("active");
        if (activeParam != null && !activeParam.equals("true") && !activeParam.equals("false")) {
            throw ApiException.invalid("Query parameter 'active' must be true or false.",
                    Map.of("active", "must be true or false"));
        }
        int limit = QueryParams.positiveInt(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
        Instant now = clock.instant();
        List<Map<String, Object>> out = blocks.list("true".equals(activeParam), limit).stream()
                .map(b -> view(b, now)).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("blocks", out);
        body.put("count", out.size());
        ctx.json(body);
    }

    /** {@code DELETE /ops/abuse/blocks/{id}}: lifts the block (idempotent); 404 when unknown. */
    public void lift(Context ctx) {
        UUID id = Uuids.parseOrNull(ctx.pathParam("id"));
        Block b = (id == null ? java.util.Optional.<Block>empty() : blocks.lift(id)).orElseThrow(() ->
                ApiException.notFound("block_not_found", "No abuse block with id '" + ctx.pathParam("id") + "'."));
        onLift.accept(b.ip());
        ctx.json(view(b, clock.instant()));
    }

    static Map<String, Object> view(Block b, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("ip", b.ip());
        m.put("reason", b.reason());
        m.put("hits", b.hits());
        m.put("level", b.level());
        m.put("since", b.since());
        m.put("until", b.until());
        m.put("lifted_at", b.liftedAt());
        m.put("active", b.activeAt(now));
        return m;
    }
}
