package dev.tokenwise.batch.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Stores deferred requests and reads their status. */
@Repository
public class DeferredRequests {

  private static final String INSERT =
      "insert into batch.deferred_request (id, tenant, app, route, provider, model, endpoint,"
          + " client_format, body, body_bytes, custom_id, requested_model, request_id, deadline,"
          + " webhook_url, team_batch_id, team_custom_id, status, webhook_state, cache_request,"
          + " cache_lookup, cache_policy, end_user, conversation_id, experiment, arm,"
          + " router_version)"
          + " values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'queued',?,?,?,?,?,?,?,?,?)";

  private final JdbcTemplate jdbc;

  DeferredRequests(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores {@code request} queued; returns its id. */
  public UUID add(NewRequest request) {
    UUID id = UUID.randomUUID();
    jdbc.update(INSERT, args(id, request));
    return id;
  }

  /** Stores all of {@code requests} in one batch of statements (all or nothing). */
  public void addAll(List<UUID> ids, List<NewRequest> requests) {
    List<Object[]> rows = new java.util.ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      rows.add(args(ids.get(i), requests.get(i)));
    }
    jdbc.batchUpdate(INSERT, rows);
  }

  private static Object[] args(UUID id, NewRequest r) {
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    return new Object[] {
      id,
      r.tenant(),
      r.app(),
      r.route(),
      r.provider().id(),
      r.model(),
      r.provider().endpoint(),
      r.clientFormat().id(),
      r.body(),
      body.length,
      customId(r.tenant(), r.body()),
      r.requestedModel(),
      r.requestId(),
      r.deadline() == null ? null : Timestamp.from(r.deadline()),
      r.webhookUrl() == null ? null : r.webhookUrl().toString(),
      r.teamBatchId(),
      r.teamCustomId(),
      r.webhookUrl() == null ? null : "waiting",
      r.cacheRequest() == null || r.cacheRequest().equals(r.body()) ? null : r.cacheRequest(),
      r.cacheRequest() == null ? null : "pending",
      r.cachePolicy(),
      r.endUser(),
      r.conversationId(),
      r.arm().experiment(),
      r.arm().arm(),
      r.arm().routerVersion()
    };
  }

  /**
   * The batch line id of a request: SHA-256 of tenant and provider body, 64 hex digits (the most
   * Anthropic allows). Identical requests of one tenant share it, and so share one batch line;
   * requests never share a line across tenants.
   */
  static String customId(String tenant, String body) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(tenant.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(body.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A stored request's status and, once it has one, its result. */
  public record Job(
      UUID id,
      String status,
      String tenant,
      String route,
      String provider,
      String model,
      String clientFormat,
      Instant createdAt,
      Instant completedAt,
      String result,
      String error,
      String answeredBy,
      int attempts,
      String webhookState) {}

  public Optional<Job> find(UUID id) {
    List<Job> jobs =
        jdbc.query(
            "select id, status, tenant, route, provider, model, client_format, created_at,"
                + " completed_at, result, error, answered_by, attempts, webhook_state"
                + " from batch.deferred_request where id = ?",
            (rs, n) ->
                new Job(
                    rs.getObject("id", UUID.class),
                    rs.getString("status"),
                    rs.getString("tenant"),
                    rs.getString("route"),
                    rs.getString("provider"),
                    rs.getString("model"),
                    rs.getString("client_format"),
                    rs.getTimestamp("created_at").toInstant(),
                    rs.getTimestamp("completed_at") == null
                        ? null
                        : rs.getTimestamp("completed_at").toInstant(),
                    rs.getString("result"),
                    rs.getString("error"),
                    rs.getString("answered_by"),
                    rs.getInt("attempts"),
                    rs.getString("webhook_state")),
            id);
    return jobs.stream().findFirst();
  }
}
