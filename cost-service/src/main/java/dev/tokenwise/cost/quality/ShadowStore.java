package dev.tokenwise.cost.quality;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** {@code cost.shadow_request}: sampled requests waiting for, or judged against, their replay. */
@Repository
class ShadowStore {

  private final JdbcTemplate jdbc;

  ShadowStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * @param reason {@code cache-exact}, {@code cache-semantic} or {@code routed-down}
   */
  record Registration(
      UUID shadowId,
      String requestId,
      String tenant,
      String route,
      String reason,
      String servedModel,
      String referenceModel,
      String servedAnswer) {}

  /** A registered request and the job that answered it, if one has. */
  record Pending(Registration registration, String jobId) {}

  /** Registers once; a repeated registration of the same id changes nothing. */
  boolean register(Registration r) {
    return jdbc.update(
            """
            INSERT INTO cost.shadow_request (shadow_id, request_id, tenant, route, reason,
              served_model, reference_model, served_answer)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shadow_id) DO NOTHING
            """,
            r.shadowId(),
            r.requestId(),
            r.tenant(),
            r.route(),
            r.reason(),
            r.servedModel(),
            r.referenceModel(),
            r.servedAnswer())
        == 1;
  }

  Optional<Pending> find(UUID shadowId) {
    List<Pending> rows =
        jdbc.query(
            """
            SELECT shadow_id, request_id, tenant, route, reason, served_model, reference_model,
                   served_answer, job_id
            FROM cost.shadow_request WHERE shadow_id = ?
            """,
            (rs, i) ->
                new Pending(
                    new Registration(
                        rs.getObject("shadow_id", UUID.class),
                        rs.getString("request_id"),
                        rs.getString("tenant"),
                        rs.getString("route"),
                        rs.getString("reason"),
                        rs.getString("served_model"),
                        rs.getString("reference_model"),
                        rs.getString("served_answer")),
                    rs.getString("job_id")),
            shadowId);
    return rows.stream().findFirst();
  }

  /**
   * Binds the first delivered job to the shadow request (in the caller's transaction, so a failed
   * judgement releases it for batch-service's retry); false when a job is bound already.
   */
  boolean claim(UUID shadowId, String jobId) {
    return jdbc.update(
            "UPDATE cost.shadow_request SET job_id = ? WHERE shadow_id = ? AND job_id IS NULL",
            jobId,
            shadowId)
        == 1;
  }

  void complete(UUID shadowId, String outcome, Double similarity) {
    jdbc.update(
        "UPDATE cost.shadow_request SET completed_at = now(), outcome = ?, similarity = ?"
            + " WHERE shadow_id = ?",
        outcome,
        similarity,
        shadowId);
  }
}
