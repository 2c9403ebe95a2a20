package dev.tokenwise.batch.teams;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Teams' uploaded files and batches. */
@Repository
class TeamBatchStore {

  record TeamFile(
      String id, String tenant, String filename, String purpose, long bytes, long createdAt) {}

  record TeamBatch(
      String id,
      String tenant,
      String inputFileId,
      String endpoint,
      String metadata,
      int requestCount,
      long createdAt) {}

  private final JdbcTemplate jdbc;

  TeamBatchStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  void saveFile(String id, String tenant, String filename, String purpose, byte[] content) {
    jdbc.update(
        "insert into batch.team_file (id, tenant, filename, purpose, bytes, content)"
            + " values (?, ?, ?, ?, ?, ?)",
        id,
        tenant,
        filename,
        purpose,
        content.length,
        content);
  }

  Optional<TeamFile> file(String id, String tenant) {
    return jdbc
        .query(
            "select id, tenant, filename, purpose, bytes,"
                + " extract(epoch from created_at)::bigint created"
                + " from batch.team_file where id = ? and tenant = ?",
            (rs, i) ->
                new TeamFile(
                    rs.getString("id"),
                    rs.getString("tenant"),
                    rs.getString("filename"),
                    rs.getString("purpose"),
                    rs.getLong("bytes"),
                    rs.getLong("created")),
            id,
            tenant)
        .stream()
        .findFirst();
  }

  byte[] content(String id) {
    return jdbc.queryForObject(
        "select content from batch.team_file where id = ?", byte[].class, id);
  }

  void saveBatch(TeamBatch batch) {
    jdbc.update(
        "insert into batch.team_batch (id, tenant, input_file_id, endpoint, metadata, request_count)"
            + " values (?, ?, ?, ?, ?, ?)",
        batch.id(),
        batch.tenant(),
        batch.inputFileId(),
        batch.endpoint(),
        batch.metadata(),
        batch.requestCount());
  }

  Optional<TeamBatch> batch(String id, String tenant) {
    return jdbc
        .query(
            "select id, tenant, input_file_id, endpoint, metadata, request_count,"
                + " extract(epoch from created_at)::bigint created"
                + " from batch.team_batch where id = ? and tenant = ?",
            (rs, i) ->
                new TeamBatch(
                    rs.getString("id"),
                    rs.getString("tenant"),
                    rs.getString("input_file_id"),
                    rs.getString("endpoint"),
                    rs.getString("metadata"),
                    rs.getInt("request_count"),
                    rs.getLong("created")),
            id,
            tenant)
        .stream()
        .findFirst();
  }

  /** Requests of a team batch by status. */
  Map<String, Object> counts(String batchId) {
    return jdbc.queryForMap(
        "select count(*) filter (where status = 'succeeded') succeeded,"
            + " count(*) filter (where status = 'failed') failed,"
            + " count(*) filter (where status not in ('succeeded', 'failed')) open,"
            + " count(*) filter (where status <> 'queued') started,"
            + " extract(epoch from max(completed_at))::bigint finished"
            + " from batch.deferred_request where team_batch_id = ?",
        batchId);
  }

  /** Streams finished requests of a batch (succeeded or failed) to {@code row}. */
  void finished(String batchId, String status, Consumer<List<String>> row) {
    jdbc.query(
        "select id, team_custom_id, result, error from batch.deferred_request"
            + " where team_batch_id = ? and status = ? order by created_at",
        rs -> {
          row.accept(
              java.util.Arrays.asList(
                  rs.getString("id"),
                  rs.getString("team_custom_id"),
                  rs.getString(status.equals("succeeded") ? "result" : "error")));
        },
        batchId,
        status);
  }
}
