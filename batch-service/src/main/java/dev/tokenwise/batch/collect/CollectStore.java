package dev.tokenwise.batch.collect;

import dev.tokenwise.batch.intake.Arm;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** The collector's reads and writes of provider batches and their requests. */
@Repository
class CollectStore {

  /** A submitted provider batch. */
  record OpenBatch(
      UUID id, String provider, String providerBatchId, int pollAttempts, Instant nextPollAt) {}

  private static final String PENDING_COLUMNS =
      "id, tenant, app, route, provider, model, requested_model, client_format, body, deadline,"
          + " attempts, created_at, request_id, webhook_url, end_user, conversation_id, experiment,"
          + " arm, router_version";

  private final JdbcTemplate jdbc;

  CollectStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  List<OpenBatch> due(Instant now, boolean ignoreSchedule) {
    return jdbc.query(
        "select id, provider, provider_batch_id, poll_attempts, next_poll_at"
            + " from batch.provider_batch where state = 'submitted'"
            + (ignoreSchedule ? "" : " and next_poll_at <= ?")
            + " order by next_poll_at",
        (rs, i) ->
            new OpenBatch(
                rs.getObject("id", UUID.class),
                rs.getString("provider"),
                rs.getString("provider_batch_id"),
                rs.getInt("poll_attempts"),
                rs.getTimestamp("next_poll_at").toInstant()),
        ignoreSchedule ? new Object[0] : new Object[] {Timestamp.from(now)});
  }

  void pollAgain(UUID id, String providerStatus, Instant next) {
    jdbc.update(
        "update batch.provider_batch set poll_attempts = poll_attempts + 1, provider_status = ?,"
            + " next_poll_at = ?, updated_at = now() where id = ?",
        providerStatus,
        Timestamp.from(next),
        id);
  }

  void collected(UUID id, String providerStatus) {
    jdbc.update(
        "update batch.provider_batch set state = 'collected', provider_status = ?,"
            + " updated_at = now() where id = ? and state = 'submitted'",
        providerStatus,
        id);
  }

  /** The requests of a batch line still waiting, oldest first (the first is the line's owner). */
  List<PendingRequest> pending(UUID batchId, String customId) {
    return jdbc.query(
        "select "
            + PENDING_COLUMNS
            + " from batch.deferred_request"
            + " where provider_batch_id = ? and custom_id = ? and status = 'submitted'"
            + " order by created_at, id",
        CollectStore::pendingRow,
        batchId,
        customId);
  }

  /** Requests of a batch that no result line answered. */
  List<String> unanswered(UUID batchId) {
    return jdbc.queryForList(
        "select distinct custom_id from batch.deferred_request"
            + " where provider_batch_id = ? and status = 'submitted'",
        String.class,
        batchId);
  }

  /** Whether any request of the batch has its result stored. */
  boolean anyAnswered(UUID batchId) {
    return Boolean.TRUE.equals(
        jdbc.queryForObject(
            "select exists (select 1 from batch.deferred_request where provider_batch_id = ?"
                + " and status <> 'submitted')",
            Boolean.class,
            batchId));
  }

  /** Whether another request of the same line already took the provider's usage. */
  boolean lineOwnerAnswered(UUID batchId, String customId) {
    Integer n =
        jdbc.queryForObject(
            "select count(*) from batch.deferred_request where provider_batch_id = ?"
                + " and custom_id = ? and status = 'succeeded' and answered_by = 'batch'",
            Integer.class,
            batchId,
            customId);
    return n != null && n > 0;
  }

  boolean succeed(UUID id, String result, String answeredBy, String usageEvent, Instant now) {
    return jdbc.update(
            "update batch.deferred_request set status = 'succeeded', result = ?, answered_by = ?,"
                + " usage_event = ?, completed_at = ?,"
                // an answer in OpenAI chat format is offered to cache-service (CacheStores)
                + " cache_store = case when cache_lookup is null then null else 'pending' end,"
                + " webhook_state = case when webhook_url is null then null else 'pending' end,"
                + " webhook_next_at = ? where id = ? and status = 'submitted'",
            result,
            answeredBy,
            usageEvent,
            Timestamp.from(now),
            Timestamp.from(now),
            id)
        == 1;
  }

  boolean fail(UUID id, String reason, String usageEvent, Instant now) {
    return jdbc.update(
            "update batch.deferred_request set status = 'failed', error = ?, usage_event = ?,"
                + " completed_at = ?,"
                + " webhook_state = case when webhook_url is null then null else 'pending' end,"
                + " webhook_next_at = ? where id = ? and status = 'submitted'",
            reason,
            usageEvent,
            Timestamp.from(now),
            Timestamp.from(now),
            id)
        == 1;
  }

  /** Back to the queue for one more batch; the provider batch link is kept out of the way. */
  boolean requeue(UUID id, String reason) {
    return jdbc.update(
            "update batch.deferred_request set status = 'queued', attempts = attempts + 1,"
                + " provider_batch_id = null, error = ? where id = ? and status = 'submitted'",
            reason,
            id)
        == 1;
  }

  private static PendingRequest pendingRow(ResultSet rs, int i) throws SQLException {
    return new PendingRequest(
        rs.getObject("id", UUID.class),
        rs.getString("tenant"),
        rs.getString("app"),
        rs.getString("route"),
        rs.getString("provider"),
        rs.getString("model"),
        rs.getString("requested_model"),
        rs.getString("client_format"),
        rs.getString("body"),
        rs.getTimestamp("deadline") == null ? null : rs.getTimestamp("deadline").toInstant(),
        rs.getInt("attempts"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getString("request_id"),
        rs.getString("webhook_url") != null,
        rs.getString("end_user"),
        rs.getString("conversation_id"),
        new Arm(rs.getString("experiment"), rs.getString("arm"), rs.getString("router_version")));
  }
}
