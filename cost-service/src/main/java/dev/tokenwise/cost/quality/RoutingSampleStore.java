package dev.tokenwise.cost.quality;

import dev.tokenwise.common.quality.RoutingSample;
import dev.tokenwise.common.quality.RoutingVerdict;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Repository;

/**
 * Routing samples in {@code cost.routing_sample}, and the verdicts they have gathered. Samples
 * older than {@code tokenwise.cost.quality.routing-sample-retention} (30 days) are deleted every
 * hour.
 */
@Repository
class RoutingSampleStore {

  private static final Logger log = LoggerFactory.getLogger(RoutingSampleStore.class);

  // A repeated request id (a retried POST) keeps the first sample: the tier was chosen once.
  private static final String INSERT =
      """
      INSERT INTO cost.routing_sample
        (request_id, tenant, route, router_version, served_tier, explored, propensity, embedding,
         features, prompt)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (request_id) DO NOTHING
      """;

  // The newest verdicts first, so that the limit keeps the most recent; the caller reverses.
  private static final String VERDICTS =
      """
      SELECT s.request_id, s.tenant, s.route, s.router_version, s.served_tier, s.explored,
             s.propensity, s.embedding, s.features, v.source, v.verdict, v.received_at
      FROM cost.routing_sample s
      JOIN cost.quality_verdict v ON v.request_id = s.request_id AND v.tenant = s.tenant
      WHERE s.route = ? AND v.received_at >= ?
      ORDER BY v.received_at DESC, s.request_id, v.source
      LIMIT ?
      """;

  private static final String SAMPLES =
      """
      SELECT request_id, tenant, route, router_version, served_tier, explored, propensity,
             embedding, features
      FROM cost.routing_sample
      WHERE route = ?
      ORDER BY recorded_at DESC
      LIMIT ?
      """;

  private final JdbcTemplate jdbc;
  private final Duration retention;

  RoutingSampleStore(
      JdbcTemplate jdbc,
      @Value("${tokenwise.cost.quality.routing-sample-retention:30d}") Duration retention) {
    this.jdbc = jdbc;
    this.retention = retention;
  }

  /** Stores a sample; false when one with this request id was stored before. */
  boolean save(RoutingSample s) {
    byte[] raw = Base64.getDecoder().decode(s.embedding());
    Double[] features = new Double[s.features().length];
    for (int i = 0; i < features.length; i++) {
      features[i] = s.features()[i];
    }
    return jdbc.update(
            con -> {
              var statement = con.prepareStatement(INSERT);
              statement.setString(1, s.requestId());
              statement.setString(2, s.tenant());
              statement.setString(3, s.route());
              statement.setString(4, s.routerVersion());
              statement.setShort(5, s.servedTier().shortValue());
              statement.setBoolean(6, s.explored());
              statement.setDouble(7, s.propensity());
              statement.setBytes(8, raw);
              statement.setArray(9, con.createArrayOf("float8", features));
              statement.setString(10, s.prompt());
              return statement;
            })
        == 1;
  }

  /**
   * Up to {@code limit} of a route's newest verdicts received at or after {@code since}, oldest
   * first.
   */
  List<RoutingVerdict> verdicts(String route, Instant since, int limit) {
    List<RoutingVerdict> rows =
        jdbc.query(
            VERDICTS,
            RoutingSampleStore::verdict,
            route,
            OffsetDateTime.ofInstant(since, ZoneOffset.UTC),
            limit);
    List<RoutingVerdict> oldestFirst = new ArrayList<>(rows);
    Collections.reverse(oldestFirst);
    return oldestFirst;
  }

  /**
   * A route's newest {@code limit} samples, with or without verdicts, without their prompts: the
   * route's traffic as the classifier saw it.
   */
  List<RoutingSample> samples(String route, int limit) {
    return jdbc.query(
        SAMPLES,
        (rs, row) ->
            new RoutingSample(
                rs.getString("request_id"),
                rs.getString("tenant"),
                rs.getString("route"),
                rs.getString("router_version"),
                (int) rs.getShort("served_tier"),
                rs.getBoolean("explored"),
                rs.getDouble("propensity"),
                Base64.getEncoder().encodeToString(rs.getBytes("embedding")),
                features(rs),
                null),
        route,
        limit);
  }

  private static double[] features(ResultSet rs) throws SQLException {
    Array array = rs.getArray("features");
    Object[] values = (Object[]) array.getArray();
    double[] features = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      features[i] = ((Number) values[i]).doubleValue();
    }
    return features;
  }

  private static RoutingVerdict verdict(ResultSet rs, int row) throws SQLException {
    double[] features = features(rs);
    return new RoutingVerdict(
        rs.getString("request_id"),
        rs.getString("tenant"),
        rs.getString("route"),
        rs.getString("router_version"),
        rs.getShort("served_tier"),
        rs.getBoolean("explored"),
        rs.getDouble("propensity"),
        Base64.getEncoder().encodeToString(rs.getBytes("embedding")),
        features,
        rs.getString("source"),
        "bad".equals(rs.getString("verdict")),
        rs.getObject("received_at", OffsetDateTime.class).toInstant());
  }

  @Scheduled(
      initialDelayString = "${tokenwise.cost.quality.routing-sample-cleanup:1h}",
      fixedDelayString = "${tokenwise.cost.quality.routing-sample-cleanup:1h}")
  void deleteExpired() {
    int deleted =
        jdbc.update(
            "DELETE FROM cost.routing_sample WHERE recorded_at < ?",
            OffsetDateTime.ofInstant(Instant.now().minus(retention), ZoneOffset.UTC));
    if (deleted > 0) {
      log.info("Deleted {} routing samples older than {}", deleted, retention);
    }
  }
}
