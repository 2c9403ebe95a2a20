package dev.tokenwise.router.tenant;

import dev.tokenwise.router.error.OpenAiApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Mono;

/**
 * The Redis writes of one admin change and its audit entries, applied all together or not at all by
 * one Lua script ({@link #commit}).
 *
 * <p>Why a script and not MULTI/EXEC: Redis rolls back neither. EXEC runs every queued command even
 * when one fails at run time (say XADD on a key that is not a stream), leaving the others applied;
 * a script stops at the failing command, leaving the ones before it applied. A script can however
 * check before it writes: this one first checks every key it is about to write holds the type (and
 * a counter the integer) the write needs, and writes nothing when one does not, so a write that
 * would fail is refused before any other is made. MULTI/EXEC cannot make such a check (its replies
 * come only after EXEC), and on the reactive template a transaction would need a dedicated
 * connection, while a script is one command on the shared one. The audit entries (XADD) are written
 * first, the change after them.
 */
public final class AdminWrite {

  /**
   * ARGV: the number of operations, then per operation its command, the index (1-based) of its key
   * in KEYS, its argument count and the arguments. Answers each operation's reply as a string.
   */
  static final String SCRIPT =
      """
      local expected = {HSET = 'hash', HDEL = 'hash', HINCRBY = 'hash', SADD = 'set',
        SREM = 'set', SET = 'string', INCR = 'string', XADD = 'stream', DEL = false}
      local ops = {}
      local i = 2
      for o = 1, tonumber(ARGV[1]) do
        local cmd = ARGV[i]
        local key = KEYS[tonumber(ARGV[i + 1])]
        local argc = tonumber(ARGV[i + 2])
        local args = {}
        for a = 1, argc do
          args[a] = ARGV[i + 2 + a]
        end
        i = i + 3 + argc
        local want = expected[cmd]
        if want == nil then
          return redis.error_reply('ERR admin write: unsupported command ' .. cmd)
        end
        if want then
          local held = redis.call('TYPE', key)['ok']
          if held ~= 'none' and held ~= want then
            return redis.error_reply('WRONGTYPE ' .. key .. ' holds a ' .. held
              .. ', not a ' .. want .. '; nothing was written')
          end
          local counter = nil
          if cmd == 'INCR' then
            counter = redis.call('GET', key)
          elseif cmd == 'HINCRBY' then
            counter = redis.call('HGET', key, args[1])
          end
          if counter and not string.match(counter, '^%-?%d+$') then
            return redis.error_reply('ERR ' .. key .. ' holds no integer to count on'
              .. '; nothing was written')
          end
        end
        ops[o] = {cmd, key, args}
      end
      local replies = {}
      for o, op in ipairs(ops) do
        local reply = redis.call(op[1], op[2], unpack(op[3]))
        if type(reply) == 'table' then
          reply = reply['ok'] or ''
        end
        replies[o] = tostring(reply)
      end
      return replies
      """;

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final RedisScript<List> RUN = (RedisScript) RedisScript.of(SCRIPT, List.class);

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private record Op(String command, String key, List<String> args) {}

  private final List<Op> audit = new ArrayList<>();
  private final List<Op> change = new ArrayList<>();

  /** Sets hash fields. */
  public AdminWrite hset(String key, Map<String, String> fields) {
    List<String> args = new ArrayList<>();
    fields.forEach(
        (name, value) -> {
          args.add(name);
          args.add(value);
        });
    return add(new Op("HSET", key, args));
  }

  /** Removes hash fields (nothing when there are none). */
  public AdminWrite hdel(String key, Collection<String> fields) {
    return fields.isEmpty() ? this : add(new Op("HDEL", key, List.copyOf(fields)));
  }

  public AdminWrite hincrby(String key, String field, long by) {
    return add(new Op("HINCRBY", key, List.of(field, String.valueOf(by))));
  }

  public AdminWrite sadd(String key, String member) {
    return add(new Op("SADD", key, List.of(member)));
  }

  public AdminWrite srem(String key, String member) {
    return add(new Op("SREM", key, List.of(member)));
  }

  public AdminWrite set(String key, String value) {
    return add(new Op("SET", key, List.of(value)));
  }

  public AdminWrite incr(String key) {
    return add(new Op("INCR", key, List.of()));
  }

  public AdminWrite del(String key) {
    return add(new Op("DEL", key, List.of()));
  }

  /** Appends an entry to a stream trimmed to about {@code maxLength}; written before the change. */
  public AdminWrite xadd(String key, long maxLength, Map<String, String> fields) {
    List<String> args = new ArrayList<>(List.of("MAXLEN", "~", String.valueOf(maxLength), "*"));
    fields.forEach(
        (name, value) -> {
          args.add(name);
          args.add(value);
        });
    audit.add(new Op("XADD", key, args));
    return this;
  }

  /** How many change operations (not audit entries) were added so far. */
  public int size() {
    return change.size();
  }

  private AdminWrite add(Op op) {
    change.add(op);
    return this;
  }

  /**
   * Applies every write, the audit entries first, atomically.
   *
   * @return the replies of the change's writes (not the audit entries'), in the order they were
   *     added
   * @throws OpenAiApiException (as the error) 503 when Redis cannot be reached, 500 when it refused
   *     the write; either way nothing was written
   */
  @SuppressWarnings("unchecked")
  public Mono<List<String>> commit(ReactiveStringRedisTemplate redis) {
    List<Op> ops = new ArrayList<>(audit);
    ops.addAll(change);
    List<String> keys = new ArrayList<>();
    List<String> argv = new ArrayList<>();
    argv.add(String.valueOf(ops.size()));
    for (Op op : ops) {
      int index = keys.indexOf(op.key());
      if (index < 0) {
        keys.add(op.key());
        index = keys.size() - 1;
      }
      argv.add(op.command());
      argv.add(String.valueOf(index + 1));
      argv.add(String.valueOf(op.args().size()));
      argv.addAll(op.args());
    }
    int audited = audit.size();
    return redis
        .execute(RUN, keys, argv)
        .next()
        .timeout(TIMEOUT)
        .map(
            replies ->
                ((List<Object>) replies)
                    .subList(audited, replies.size()).stream().map(String::valueOf).toList())
        .onErrorMap(e -> !(e instanceof OpenAiApiException), AdminWrite::notWritten);
  }

  static OpenAiApiException notWritten(Throwable e) {
    boolean unreachable =
        e instanceof RedisConnectionFailureException
            || e instanceof DataAccessResourceFailureException
            || e instanceof java.util.concurrent.TimeoutException;
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return new OpenAiApiException(
        unreachable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.INTERNAL_SERVER_ERROR,
        (unreachable
                ? "The admin store (Redis) is unavailable; nothing was changed: "
                : "The change and its audit entry could not be written; nothing was changed: ")
            + reason,
        "api_error",
        null,
        unreachable ? "admin_store_unavailable" : "admin_write_failed");
  }
}
