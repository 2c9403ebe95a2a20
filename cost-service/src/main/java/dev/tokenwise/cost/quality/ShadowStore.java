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
      String servedAnswer,
      String jobId) {}

  /**
   * A registered request: the batch-service job expected to answer it (registered, or bound by the
   * first delivery) and whether it has been answered.
   */
  record Pending(Registration registration, String jobId, boolean completed) {}

  /** Registers once; a repeated registration of the same id changes nothing. */
  boolean register(Registration r) {
    return jdbc.update(
            """
            INSERT INTO cost.shadow_request (shadow_id, request_id, tenant, route, reason,
              served_model, reference_model, served_answer, job_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shadow_id) DO NOTHING
            """,
            r.shadowId(),
            r.requestId(),
            r.tenant(),
            r.route(),
            r.reason(),
            r.servedModel(),
            r.referenceModel(),
            r.servedAnswer(),
            r.jobId())
        == 1;
  }

  Optional<Pending> find(UUID shadowId) {
    List<Pending> rows =
        jdbc.query(
            """
            SELECT shadow_id, request_id, tenant, route, reason, served_model, reference_model,
                   served_answer, job_id, completed_at IS NOT NULL AS completed
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
                        rs.getString("served_answer"),
                        rs.getString("job_id")),
                    rs.getString("job_id"),
                    rs.getBoolean("completed")),
            shadowId);
    return rows.stream().findFirst();
  }

  /**
   * Takes the delivery of {@code jobId} as this request's answer, once: false when it is answered
   * already or expects another job. In the caller's transaction, so a failed judgement releases it
   * for batch-service's retry.
   */
  boolean claim(UUID shadowId, String jobId) {
    return jdbc.update(
            "UPDATE cost.shadow_request SET job_id = ?, completed_at = now() WHERE shadow_id = ?"
                + " AND completed_at IS NULL AND (job_id IS NULL OR job_id = ?)",
            jobId,
            shadowId,
            jobId)
        == 1;
  }

  void complete(UUID shadowId, String outcome, Double similarity) {
    jdbc.update(
        "UPDATE cost.shadow_request SET outcome = ?, similarity = ?" + " WHERE shadow_id = ?",
        outcome,
        similarity,
        shadowId);
  }
}
