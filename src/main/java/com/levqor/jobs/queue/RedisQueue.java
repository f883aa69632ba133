package com.levqor.jobs.queue;

import com.levqor.jobs.model.JobRef;
import com.levqor.jobs.model.Priority;
import com.levqor.redis.RedisConnections;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The async queue, RQ style: job ids in one Redis list per priority; a worker moves a batch of them
 * atomically (high, then normal, then low) into its own processing list and removes them once the
 * outcome is recorded. An idle worker blocks on a wake-up list that every push also feeds. Only ids
 * travel here: Postgres holds the jobs, so losing Redis loses no job (the sweeper dispatches again).
 * Commands stay within Redis 6.2.
 */
public final class RedisQueue implements JobSource {
    public static final String PREFIX = "levqor:";
    static final String WAKE = PREFIX + "wake";
    static final String PROCESSING = PREFIX + "processing:";
    static final String WORKER = PREFIX + "worker:";
    /** How long a worker's heartbeat lives; its processing list is requeued after it expires. */
    static final int HEARTBEAT_SECONDS = 30;
    private static final int MAX_WAKE_TOKENS = 64;

    /** Moves up to ARGV[1] ids from KEYS[1..3] (high, normal, low) into KEYS[4], returning them. */
    private static final String TAKE = """
            local want = tonumber(ARGV[1])
            local out = {}
            for i = 1, 3 do
              local need = want - #out
              if need <= 0 then break end
              local items = redis.call('LRANGE', KEYS[i], 0, need - 1)
              if #items > 0 then
                redis.call('LTRIM', KEYS[i], #items, -1)
                redis.call('RPUSH', KEYS[4], unpack(items))
                for _, v in ipairs(items) do out[#out + 1] = KEYS[i]:sub(-1) .. v end
              end
            end
            return out
            """;
    /**
     * Puts a dead worker's processing list back at the front of the normal queue, in its order (they
     * are older than what waits there: the lists stay ordered by dispatch time), and deletes it.
     */
    private static final String REQUEUE = """
            local items = redis.call('LRANGE', KEYS[1], 0, -1)
            for i = #items, 1, -1000 do
              local chunk = {}
              for j = i, math.max(1, i - 999), -1 do chunk[#chunk + 1] = items[j] end
              redis.call('LPUSH', KEYS[2], unpack(chunk))
            end
            redis.call('DEL', KEYS[1])
            return #items
            """;

    /** Removes one occurrence of each id in ARGV from the list KEYS[1] in one pass (LREM per id is O(list) each). */
    private static final String REMOVE = """
            local drop = {}
            for i = 1, #ARGV do drop[ARGV[i]] = (drop[ARGV[i]] or 0) + 1 end
            local items = redis.call('LRANGE', KEYS[1], 0, -1)
            local keep = {}
            for _, v in ipairs(items) do
              local n = drop[v]
              if n and n > 0 then drop[v] = n - 1 else keep[#keep + 1] = v end
            end
            redis.call('DEL', KEYS[1])
            for i = 1, #keep, 1000 do
              redis.call('RPUSH', KEYS[1], unpack(keep, i, math.min(i + 999, #keep)))
            end
            return #items - #keep
            """;

    private final RedisConnections redis;
    private final UnifiedJedis client;
    private final String workerId;
    private final String processing;
    private final List<String> takeKeys;

    /**
     * @param redis    the process's pool (at one address, or the master the sentinels name)
     * @param workerId this process's worker id: its processing list and heartbeat
     */
    public RedisQueue(RedisConnections redis, String workerId) {
        this.redis = redis;
        this.client = redis.client();
        this.workerId = workerId;
        this.processing = PROCESSING + workerId;
        this.takeKeys = List.of(lane(Priority.HIGH), lane(Priority.NORMAL), lane(Priority.LOW), processing);
    }

    static String lane(Priority p) {
        return PREFIX + "queue:" + p.wire();
    }

    /** Answers PING (throws when Redis does not answer). */
    public void ping() {
        client.ping();
    }

    /** Pushes ids onto the end of their priority lists and wakes idle workers, in one round trip. */
    public void push(Collection<JobRef> refs) {
        push(refs, false);
    }

    /**
     * Puts ids back at the front of their priority lists, in the order given (ids that were lost on
     * their way: they are older than what waits there), and wakes idle workers, in one round trip.
     */
    public void pushFront(Collection<JobRef> refs) {
        push(refs, true);
    }

    private void push(Collection<JobRef> refs, boolean front) {
        List<String> high = new ArrayList<>();
        List<String> normal = new ArrayList<>();
        List<String> low = new ArrayList<>();
        for (JobRef r : refs) {
            (r.priority() == Priority.HIGH ? high : r.priority() == Priority.LOW ? low : normal).add(r.id().toString());
        }
        try (AbstractPipeline p = client.pipelined()) {
            pushLane(p, Priority.HIGH, high, front);
            pushLane(p, Priority.NORMAL, normal, front);
            pushLane(p, Priority.LOW, low, front);
            int tokens = Math.min(refs.size(), MAX_WAKE_TOKENS);
            String[] wake = new String[tokens];
            java.util.Arrays.fill(wake, "1");
            p.rpush(WAKE, wake);
            p.ltrim(WAKE, 0, MAX_WAKE_TOKENS - 1);
            p.sync();
        }
    }

    private static void pushLane(AbstractPipeline p, Priority priority, List<String> ids, boolean front) {
        if (ids.isEmpty()) {
            return;
        }
        if (front) {
            // LPUSH puts each argument at the head in turn: the last one given ends up first.
            java.util.Collections.reverse(ids);
            p.lpush(lane(priority), ids.toArray(String[]::new));
        } else {
            p.rpush(lane(priority), ids.toArray(String[]::new));
        }
    }

    /** Up to {@code probe} ids from the head of each priority list (the next to be taken), in one round trip. */
    public Map<Priority, List<UUID>> heads(int probe) {
        Map<Priority, Response<List<String>>> answers = new EnumMap<>(Priority.class);
        try (AbstractPipeline p = client.pipelined()) {
            for (Priority priority : List.of(Priority.HIGH, Priority.NORMAL, Priority.LOW)) {
                answers.put(priority, p.lrange(lane(priority), 0, probe - 1));
            }
            p.sync();
        }
        Map<Priority, List<UUID>> heads = new EnumMap<>(Priority.class);
        answers.forEach((priority, answer) -> {
            List<UUID> ids = new ArrayList<>();
            for (String s : answer.get()) {
                try {
                    ids.add(UUID.fromString(s));
                } catch (IllegalArgumentException notOurs) {
                    // not an id of ours: the worker that takes it drops it
                }
            }
            heads.put(priority, ids);
        });
        return heads;
    }

    @Override
    public List<JobRef> take(int max, long waitMillis) {
        List<JobRef> got = takeNow(max);
        if (!got.isEmpty() || waitMillis <= 0) {
            return got;
        }
        // Idle: wait on the wake-up list and take in the same exchange. Redis runs the pipelined move as soon as
        // the wait ends (a push, or the timeout), so the ids come back with the wake-up instead of one round
        // trip later (a thread switch on each side, which a busy machine stretches the most).
        try (Connection c = redis.connection()) {
            c.setTimeoutInfinite(); // the blocking socket timeout, as for a lone BLPOP
            try {
                c.sendCommand(Protocol.Command.BLPOP, WAKE, Double.toString(waitMillis / 1000.0));
                c.sendCommand(Protocol.Command.EVAL, takeArgs(max));
                List<Object> replies = c.getMany(2);
                for (Object r : replies) {
                    if (r instanceof RuntimeException e) {
                        throw e; // an error reply (getMany hands it back instead of throwing)
                    }
                }
                return refs(replies.get(1));
            } finally {
                c.rollbackTimeout();
            }
        }
    }

    private String[] takeArgs(int max) {
        String[] args = new String[2 + takeKeys.size() + 1];
        args[0] = TAKE;
        args[1] = Integer.toString(takeKeys.size());
        for (int i = 0; i < takeKeys.size(); i++) {
            args[2 + i] = takeKeys.get(i);
        }
        args[args.length - 1] = Integer.toString(max);
        return args;
    }

    private List<JobRef> takeNow(int max) {
        return refs(client.eval(TAKE, takeKeys, List.of(Integer.toString(max))));
    }

    /** The ids the take script answered, each prefixed with its lane's last letter (h, l, w). */
    @SuppressWarnings("unchecked")
    private List<JobRef> refs(Object answer) {
        List<Object> raw = (List<Object>) answer;
        List<JobRef> out = new ArrayList<>(raw.size());
        for (Object o : raw) {
            String s = o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : o.toString();
            char lane = s.charAt(0);
            Priority p = lane == 'h' ? Priority.HIGH : lane == 'w' ? Priority.LOW : Priority.NORMAL;
            try {
                out.add(new JobRef(UUID.fromString(s.substring(1)), p));
            } catch (IllegalArgumentException e) {
                client.lrem(processing, 1, s.substring(1)); // not an id of ours: drop it
            }
        }
        return out;
    }

    @Override
    public void done(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(ids.size());
        for (UUID id : ids) {
            args.add(id.toString());
        }
        client.eval(REMOVE, List.of(processing), args);
    }

    /** Marks this worker alive; its processing list is kept while the heartbeat lives. */
    public void heartbeat() {
        client.set(WORKER + workerId, "1", SetParams.setParams().ex(HEARTBEAT_SECONDS));
    }

    /** Requeues the processing lists of workers whose heartbeat expired (crashed); returns the ids moved. */
    public long requeueAbandoned() {
        long moved = 0;
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams params = new ScanParams().match(PROCESSING + "*").count(100);
        do {
            ScanResult<String> page = client.scan(cursor, params);
            for (String key : page.getResult()) {
                String owner = key.substring(PROCESSING.length());
                if (!owner.equals(workerId) && !client.exists(WORKER + owner)) {
                    moved += (Long) client.eval(REQUEUE, List.of(key, lane(Priority.NORMAL)), List.of());
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return moved;
    }

    /** Forgets this worker's processing list (after Redis came back: what it held is recovered from Postgres). */
    public void resetProcessing() {
        client.del(processing);
    }

    /** Ids waiting in the three lists. */
    public long waiting() {
        return client.llen(lane(Priority.HIGH)) + client.llen(lane(Priority.NORMAL)) + client.llen(lane(Priority.LOW));
    }

    @Override
    public String name() {
        return "redis";
    }

}
