package dev.tokenwise.common.budget;

import dev.tokenwise.common.security.ServiceTokens;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * cost-service's word that one request's cost is recorded: emitted after the commit that stored the
 * request's usage event, on the Redis stream {@link #STREAM_KEY}. An entry carries either one
 * settlement, the fields below as strings ({@link #toFields}), or up to {@link #MAX_PER_ENTRY} of
 * them as a JSON array of such objects in its one field {@link #BATCH_FIELD} ({@link
 * #batchFields}); {@link #fromEntry} reads both. The router moves the request's budget reservation
 * into its tenant's spend when it reads one. Delivery is at least once; a reader dedupes on {@code
 * requestId}. Every entry is signed by cost-service ({@link
 * dev.tokenwise.common.security.StreamSignatures}); the router applies none that is not, since a
 * forged one could erase a tenant's spend.
 *
 * @param requestId the usage event's {@code requestId} (the reservation it settles)
 * @param tenant the tenant the cost belongs to
 * @param month the UTC month the event occurred in (the budget month it counts against)
 * @param costUsd the recorded cost in USD; null when no catalog version prices the event's model
 *     (the cost is unknown, not zero)
 */
public record SpendSettlement(
    String requestId, String tenant, YearMonth month, BigDecimal costUsd) {

  /** The stream cost-service appends settlements to. */
  public static final String STREAM_KEY = "tokenwise:spend-settlements";

  /** The field of an entry that carries several settlements. */
  public static final String BATCH_FIELD = "settlements";

  /**
   * The most settlements one entry carries: one XADD, one signature and one acknowledgement for up
   * to this many requests, instead of one each (most of cost-service's Redis work at ingest).
   */
  public static final int MAX_PER_ENTRY = 500;

  /** The only service whose signed settlements the router applies. */
  public static final Set<String> PRODUCERS = Set.of(ServiceTokens.COST);

  public SpendSettlement {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(month, "month");
  }

  /**
   * The UTC month {@code instant} falls in, by arithmetic alone: {@code atZone(UTC)} looks zone
   * rules up and builds a date-time, and ingest asks this twice for every event.
   */
  public static YearMonth monthOf(Instant instant) {
    LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(instant.getEpochSecond(), 86_400L));
    return YearMonth.of(day.getYear(), day.getMonth());
  }

  /** The stream entry's fields; {@code costUsd} is absent when unknown. */
  public Map<String, String> toFields() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("requestId", requestId);
    fields.put("tenant", tenant);
    fields.put("month", month.toString());
    if (costUsd != null) {
      fields.put("costUsd", costUsd.toPlainString());
    }
    return fields;
  }

  /**
   * One entry's fields for several settlements (at most {@link #MAX_PER_ENTRY}): {@link
   * #BATCH_FIELD}, a JSON array of each one's {@link #toFields}.
   */
  public static Map<String, String> batchFields(List<SpendSettlement> settlements) {
    if (settlements.isEmpty() || settlements.size() > MAX_PER_ENTRY) {
      throw new IllegalArgumentException(
          "an entry carries 1 to " + MAX_PER_ENTRY + " settlements, not " + settlements.size());
    }
    ArrayNode array = JsonMapper.shared().createArrayNode();
    for (SpendSettlement settlement : settlements) {
      ObjectNode node = array.addObject();
      settlement.toFields().forEach(node::put);
    }
    return Map.of(BATCH_FIELD, JsonMapper.shared().writeValueAsString(array));
  }

  /**
   * The settlements a stream entry carries: several when it has {@link #BATCH_FIELD}, else one.
   *
   * @throws IllegalArgumentException when the entry or any settlement in it is malformed (then none
   *     of it is returned)
   */
  public static List<SpendSettlement> fromEntry(Map<String, String> fields) {
    String batch = fields.get(BATCH_FIELD);
    if (batch == null) {
      return List.of(fromFields(fields));
    }
    JsonNode array;
    try {
      array = JsonMapper.shared().readTree(batch);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("settlements is not JSON", e);
    }
    if (array == null || !array.isArray() || array.isEmpty() || array.size() > MAX_PER_ENTRY) {
      throw new IllegalArgumentException(
          "settlements must be an array of 1 to " + MAX_PER_ENTRY + " settlements");
    }
    List<SpendSettlement> settlements = new ArrayList<>(array.size());
    for (JsonNode node : array) {
      if (!node.isObject()) {
        throw new IllegalArgumentException("not a spend settlement: " + node);
      }
      Map<String, String> one = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (!field.getValue().isString()) {
          throw new IllegalArgumentException("not a spend settlement: " + node);
        }
        one.put(field.getKey(), field.getValue().asString());
      }
      settlements.add(fromFields(one));
    }
    return settlements;
  }

  /**
   * Reads a stream entry's fields.
   *
   * @throws IllegalArgumentException when a field is missing or malformed
   */
  public static SpendSettlement fromFields(Map<String, String> fields) {
    try {
      String cost = fields.get("costUsd");
      return new SpendSettlement(
          fields.get("requestId"),
          fields.get("tenant"),
          YearMonth.parse(fields.get("month")),
          cost == null || cost.isBlank() ? null : new BigDecimal(cost));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a spend settlement: " + fields, e);
    }
  }
}
