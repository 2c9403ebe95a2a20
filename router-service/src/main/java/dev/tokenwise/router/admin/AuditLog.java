package dev.tokenwise.router.admin;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.AdminWrite;
import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every state-changing admin call, in Redis streams: {@value #STREAM} for all of them and {@code
 * tokenwise:admin:audit:<tenant>} for each tenant's, each trimmed to about {@value #MAX_LENGTH}
 * entries. An entry names who (the admin credential's id), what (action, tenant, target and the
 * changed values, never a secret) and when. It is written in one {@link AdminWrite} with the change
 * it records: both are stored, or neither.
 */
@Component
class AuditLog {

  static final String STREAM = "tokenwise:admin:audit";
  static final long MAX_LENGTH = 100_000;

  private static final Pattern CURSOR = Pattern.compile("\\d{1,20}-\\d{1,20}");

  private final ReactiveStringRedisTemplate redis;
  private final JsonMapper json;

  AuditLog(ReactiveStringRedisTemplate redis, JsonMapper json) {
    this.redis = redis;
    this.json = json;
  }

  /** One page of entries, newest first, and the cursor of the next page (null at the end). */
  record Page(List<Map<String, Object>> entries, String nextCursor) {}

  /**
   * Adds the entry to {@code write}, to {@value #STREAM} and, when {@code tenant} is not null, to
   * the tenant's stream: the entry is written with the change or not at all.
   */
  AdminWrite record(
      AdminWrite write,
      Admin admin,
      String action,
      String tenant,
      String target,
      Map<String, ?> changes) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("at", Instant.now().toString());
    fields.put("admin", admin.id());
    fields.put("action", action);
    if (tenant != null) {
      fields.put("tenant", tenant);
    }
    if (target != null) {
      fields.put("target", target);
    }
    fields.put("changes", json.writeValueAsString(changes));
    write.xadd(STREAM, MAX_LENGTH, fields);
    if (tenant != null) {
      write.xadd(STREAM + ":" + tenant, MAX_LENGTH, fields);
    }
    return write;
  }

  /** Writes {@code write}, its change and its audit entries, atomically. */
  Mono<List<String>> commit(AdminWrite write) {
    return write.commit(redis);
  }

  /**
   * Entries older than {@code cursor} (the id of the last entry of the previous page; null for the
   * newest), of {@code tenant} only when it is not null.
   */
  Mono<Page> page(String tenant, String cursor, int limit) {
    String upper = "+";
    if (cursor != null) {
      if (!CURSOR.matcher(cursor).matches()) {
        throw OpenAiApiException.invalidRequest(
            "'cursor' must be the nextCursor of a previous page.", "cursor", "invalid_value");
      }
      upper = before(cursor);
      if (upper == null) {
        return Mono.just(new Page(List.of(), null));
      }
    }
    String stream = tenant == null ? STREAM : STREAM + ":" + tenant;
    return redis
        .<String, String>opsForStream()
        .reverseRange(
            stream,
            Range.of(Range.Bound.unbounded(), Range.Bound.inclusive(upper)),
            Limit.limit().count(limit))
        .map(
            entry -> {
              Map<String, Object> view = new LinkedHashMap<>();
              view.put("id", entry.getId().getValue());
              Map<String, String> v = entry.getValue();
              view.put("at", v.get("at"));
              view.put("admin", v.get("admin"));
              view.put("action", v.get("action"));
              if (v.get("tenant") != null) {
                view.put("tenant", v.get("tenant"));
              }
              if (v.get("target") != null) {
                view.put("target", v.get("target"));
              }
              view.put("changes", json.readTree(v.getOrDefault("changes", "{}")));
              return view;
            })
        .collectList()
        .map(
            entries ->
                new Page(
                    entries,
                    entries.size() < limit
                        ? null
                        : (String) entries.get(entries.size() - 1).get("id")));
  }

  /** The greatest stream id below {@code id}, or null when there is none. */
  static String before(String id) {
    int dash = id.indexOf('-');
    String millis = id.substring(0, dash);
    String sequence = id.substring(dash + 1);
    BigInteger seq = new BigInteger(sequence);
    if (seq.signum() > 0) {
      return millis + "-" + seq.subtract(BigInteger.ONE);
    }
    BigInteger ms = new BigInteger(millis);
    if (ms.signum() == 0) {
      return null;
    }
    return ms.subtract(BigInteger.ONE) + "-18446744073709551615";
  }
}
