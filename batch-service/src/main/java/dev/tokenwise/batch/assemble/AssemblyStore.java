package dev.tokenwise.batch.assemble;

import dev.tokenwise.batch.provider.Provider;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** The assembler's reads and writes of queued requests and provider batches. */
@Repository
class AssemblyStore {

  /** Budget per line beyond the body: {@code custom_id}, method, url and JSON punctuation. */
  static final int LINE_OVERHEAD = 160;

  /** A provider batch's row. */
  record BatchRow(
      UUID id,
      Provider provider,
      String model,
      String endpoint,
      String state,
      int requestCount,
      int lineCount,
      String inputFileId,
      Instant submitStartedAt) {}

  private final JdbcTemplate jdbc;

  AssemblyStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  List<Group> queuedGroups() {
    return jdbc.query(
        "select provider, model, endpoint, count(*) n,"
            + " sum(body_bytes + "
            + LINE_OVERHEAD
            + ") bytes,"
            + " min(created_at) oldest, min(deadline) earliest"
            + " from batch.deferred_request where status = 'queued'"
            + " group by provider, model, endpoint",
        (rs, i) ->
            new Group(
                Provider.of(rs.getString("provider")),
                rs.getString("model"),
                rs.getString("endpoint"),
                rs.getLong("n"),
                rs.getLong("bytes"),
                rs.getTimestamp("oldest").toInstant(),
                rs.getTimestamp("earliest") == null
                    ? null
                    : rs.getTimestamp("earliest").toInstant()));
  }

  /**
   * Moves the oldest queued requests of {@code group}, up to {@code maxRequests} and {@code
   * maxBytes}, into a new provider batch (state {@code assigned}), in one transaction; rows another
   * replica holds are skipped. Returns the batch id, or empty when nothing was free.
   */
  @Transactional
  Optional<UUID> assign(Group group, int maxRequests, long maxBytes) {
    List<UUID> ids = new ArrayList<>();
    long[] bytes = {0};
    jdbc.query(
        "select id, body_bytes from batch.deferred_request"
            + " where status = 'queued' and provider = ? and model = ? and endpoint = ?"
            + " order by created_at, id limit ? for update skip locked",
        rs -> {
          long size = rs.getLong("body_bytes") + LINE_OVERHEAD;
          if (!ids.isEmpty() && bytes[0] + size > maxBytes) {
            return;
          }
          bytes[0] += size;
          ids.add(rs.getObject("id", UUID.class));
        },
        group.provider().id(),
        group.model(),
        group.endpoint(),
        maxRequests);
    if (ids.isEmpty()) {
      return Optional.empty();
    }
    UUID batchId = UUID.randomUUID();
    jdbc.update(
        "insert into batch.provider_batch (id, provider, model, endpoint, state, request_count)"
            + " values (?, ?, ?, ?, 'assigned', ?)",
        batchId,
        group.provider().id(),
        group.model(),
        group.endpoint(),
        ids.size());
    jdbc.update(
        "update batch.deferred_request set status = 'assigned', provider_batch_id = ?"
            + " where id = any(?)",
        ps -> {
          ps.setObject(1, batchId);
          ps.setArray(2, ps.getConnection().createArrayOf("uuid", ids.toArray()));
        });
    return Optional.of(batchId);
  }

  /** Provider batches a crash left between assignment and submission, oldest first. */
  List<UUID> unfinished() {
    return jdbc.queryForList(
        "select id from batch.provider_batch"
            + " where state in ('assigned', 'written', 'uploaded', 'submitting')"
            + " order by created_at",
        UUID.class);
  }

  BatchRow load(UUID id) {
    return jdbc.queryForObject(
        "select * from batch.provider_batch where id = ?",
        (rs, i) ->
            new BatchRow(
                rs.getObject("id", UUID.class),
                Provider.of(rs.getString("provider")),
                rs.getString("model"),
                rs.getString("endpoint"),
                rs.getString("state"),
                rs.getInt("request_count"),
                rs.getInt("line_count"),
                rs.getString("input_file_id"),
                rs.getTimestamp("submit_started_at") == null
                    ? null
                    : rs.getTimestamp("submit_started_at").toInstant()),
        id);
  }

  void written(UUID id, int lines, long bytes) {
    jdbc.update(
        "update batch.provider_batch set state = 'written', line_count = ?, file_bytes = ?,"
            + " updated_at = now() where id = ? and state = 'assigned'",
        lines,
        bytes,
        id);
  }

  void uploaded(UUID id, String inputFileId) {
    jdbc.update(
        "update batch.provider_batch set state = 'uploaded', input_file_id = ?, updated_at = now()"
            + " where id = ?",
        inputFileId,
        id);
  }

  void submitting(UUID id, Instant at) {
    jdbc.update(
        "update batch.provider_batch set state = 'submitting', submit_started_at = ?,"
            + " updated_at = now() where id = ?",
        Timestamp.from(at),
        id);
  }

  boolean knownProviderBatch(String providerBatchId) {
    Integer n =
        jdbc.queryForObject(
            "select count(*) from batch.provider_batch where provider_batch_id = ?",
            Integer.class,
            providerBatchId);
    return n != null && n > 0;
  }

  /** Records the provider's batch id and marks its requests submitted, in one transaction. */
  @Transactional
  void submitted(UUID id, String providerBatchId, Instant firstPoll) {
    jdbc.update(
        "update batch.provider_batch set state = 'submitted', provider_batch_id = ?,"
            + " next_poll_at = ?, updated_at = now() where id = ?",
        providerBatchId,
        Timestamp.from(firstPoll),
        id);
    jdbc.update(
        "update batch.deferred_request set status = 'submitted'"
            + " where provider_batch_id = ? and status = 'assigned'",
        id);
  }
}
