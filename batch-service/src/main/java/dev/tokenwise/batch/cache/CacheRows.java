package dev.tokenwise.batch.cache;

import dev.tokenwise.batch.intake.Arm;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** The reads and writes of looking requests up in cache-service and storing their answers. */
@Repository
class CacheRows {

  /** A queued request not yet looked up. */
  record Queued(
      UUID id,
      String tenant,
      String app,
      String route,
      String provider,
      String model,
      String requestedModel,
      String cacheRequest,
      String cachePolicy,
      String requestId,
      Instant createdAt,
      String endUser,
      String conversationId,
      Arm arm) {}

  /** An answered request whose answer cache-service has not been told yet. */
  record Answered(
      UUID id,
      String tenant,
      String route,
      String model,
      String cacheRequest,
      String cachePolicy,
      String result) {}

  private final JdbcTemplate jdbc;

  CacheRows(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  List<Queued> pendingLookups(String provider, String model, String endpoint, int limit) {
    return jdbc.query(
        "select id, tenant, app, route, provider, model, requested_model,"
            + " coalesce(cache_request, body) cache_request, cache_policy, request_id, created_at,"
            + " end_user, conversation_id, experiment, arm, router_version"
            + " from batch.deferred_request where status = 'queued' and cache_lookup = 'pending'"
            + " and provider = ? and model = ? and endpoint = ? order by created_at, id limit ?",
        (rs, i) ->
            new Queued(
                rs.getObject("id", UUID.class),
                rs.getString("tenant"),
                rs.getString("app"),
                rs.getString("route"),
                rs.getString("provider"),
                rs.getString("model"),
                rs.getString("requested_model"),
                rs.getString("cache_request"),
                rs.getString("cache_policy"),
                rs.getString("request_id"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("end_user"),
                rs.getString("conversation_id"),
                new Arm(
                    rs.getString("experiment"),
                    rs.getString("arm"),
                    rs.getString("router_version"))),
        provider,
        model,
        endpoint,
        limit);
  }

  void missed(List<UUID> ids) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.update(
        "update batch.deferred_request set cache_lookup = 'missed' where id = any(?)",
        ps -> ps.setArray(1, ps.getConnection().createArrayOf("uuid", ids.toArray())));
  }

  /**
   * Completes a still-queued request with a cached answer and its usage event; false when it is no
   * longer queued (nothing changes).
   */
  boolean answered(UUID id, String result, String usageEvent, Instant now) {
    return jdbc.update(
            "update batch.deferred_request set status = 'succeeded', result = ?,"
                + " answered_by = 'cache', usage_event = ?, completed_at = ?, cache_lookup = 'hit',"
                + " webhook_state = case when webhook_url is null then null else 'pending' end,"
                + " webhook_next_at = ? where id = ? and status = 'queued'",
            result,
            usageEvent,
            Timestamp.from(now),
            Timestamp.from(now),
            id)
        == 1;
  }

  List<Answered> pendingStores(int limit) {
    return jdbc.query(
        "select id, tenant, route, model, coalesce(cache_request, body) cache_request,"
            + " cache_policy, result"
            + " from batch.deferred_request where cache_store = 'pending'"
            + " order by completed_at, id limit ?",
        (rs, i) ->
            new Answered(
                rs.getObject("id", UUID.class),
                rs.getString("tenant"),
                rs.getString("route"),
                rs.getString("model"),
                rs.getString("cache_request"),
                rs.getString("cache_policy"),
                rs.getString("result")),
        limit);
  }

  void storeDone(UUID id, String outcome) {
    jdbc.update("update batch.deferred_request set cache_store = ? where id = ?", outcome, id);
  }

  /** With the cache switched off, answers waiting to be stored are let go. */
  int skipPendingStores() {
    return jdbc.update(
        "update batch.deferred_request set cache_store = 'skipped' where cache_store = 'pending'");
  }
}
