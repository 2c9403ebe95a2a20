package dev.tokenwise.local.demo;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads cost-service's reports over its REST API and lays them out as text. Every figure printed
 * comes from cost-service; nothing is recomputed here.
 */
final class CostReports {

  /** The report paths, in the order they are printed. */
  static final List<String> PATHS =
      List.of(
          "/api/reports/overview",
          "/api/reports/savings",
          "/api/reports/cost-per-request",
          "/api/reports/tokens-per-request",
          "/api/reports/cache-hit-rate",
          "/api/reports/cost-per-user",
          "/api/reports/quality",
          "/api/reports/weekly");

  /** cost-service's names of the tactics, and how the demo prints them. */
  static final Map<String, String> TACTICS = new LinkedHashMap<>();

  static {
    TACTICS.put("cache", "response cache");
    TACTICS.put("routing", "model routing");
    TACTICS.put("promptCaching", "prompt caching");
    TACTICS.put("batch", "batch");
    TACTICS.put("outputCap", "output caps (estimated)");
  }

  private final HttpClient http;
  private final URI cost;
  private final JsonMapper json;
  private final Instant from;
  private final Instant to;
  private final String adminToken;

  /**
   * @param adminToken read with it: cost-service's reports take the report or the admin token
   */
  CostReports(
      HttpClient http, URI cost, JsonMapper json, Instant from, Instant to, String adminToken) {
    this.adminToken = adminToken;
    this.http = http;
    this.cost = cost;
    this.json = json;
    this.from = from;
    this.to = to;
  }

  Instant from() {
    return from;
  }

  Instant to() {
    return to;
  }

  /** The query string every report takes. */
  String window() {
    // Instants need no escaping in a query string: digits, letters, '-' and ':'.
    return "from=" + from + "&to=" + to;
  }

  URI url(String path) {
    return cost.resolve(path + "?" + window());
  }

  /** Usage events cost-service has stored for the window. */
  long storedRequests() throws IOException, InterruptedException {
    return get("/api/usage/summary").path("requests").asLong();
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(url(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + adminToken)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(path + " answered " + response.statusCode() + ": " + response.body());
    }
    return json.readTree(response.body());
  }

  /** The savings and the five metrics, read now. */
  Snapshot read() throws IOException, InterruptedException {
    return new Snapshot(
        get("/api/reports/savings"),
        get("/api/reports/cost-per-request"),
        get("/api/reports/tokens-per-request"),
        get("/api/reports/cache-hit-rate"),
        get("/api/reports/cost-per-user"),
        get("/api/reports/quality"));
  }

  /** The bodies of the reports the summary prints. */
  record Snapshot(
      JsonNode savings,
      JsonNode costPerRequest,
      JsonNode tokensPerRequest,
      JsonNode cacheHitRate,
      JsonNode costPerUser,
      JsonNode quality) {

    BigDecimal baseline() {
      return money(savings.path("overall").path("baselineUsd"));
    }

    BigDecimal actual() {
      return money(savings.path("overall").path("costUsd"));
    }

    /** Saving per tactic, keyed by cost-service's names ({@link #TACTICS}). */
    Map<String, BigDecimal> byTactic() {
      Map<String, BigDecimal> tactics = new LinkedHashMap<>();
      for (String tactic : TACTICS.keySet()) {
        tactics.put(tactic, money(savings.path("overall").path("byTactic").path(tactic)));
      }
      return tactics;
    }

    /** The text the demo prints. */
    List<String> lines() {
      List<String> out = new ArrayList<>();
      JsonNode overall = savings.path("overall");
      out.add("Savings (GET /api/reports/savings)");
      out.add(
          String.format(
              Locale.ROOT,
              "  %-28s %s",
              "baseline (without Tokenwise)",
              usd(overall, "baselineUsd")));
      out.add(
          String.format(
              Locale.ROOT, "  %-28s %s", "actual (what was billed)", usd(overall, "costUsd")));
      out.add(
          String.format(
              Locale.ROOT,
              "  %-28s %s  (%s of baseline)",
              "saved",
              usd(overall, "savingsUsd"),
              percent(overall.path("savingsRate"))));
      out.add("  saving by tactic:");
      for (Map.Entry<String, String> tactic : TACTICS.entrySet()) {
        out.add(
            String.format(
                Locale.ROOT,
                "    %-26s %s",
                tactic.getValue(),
                usd(overall.path("byTactic"), tactic.getKey())));
      }
      out.add("  by route:");
      out.add(
          String.format(
              Locale.ROOT,
              "    %-10s %9s %14s %14s %14s %8s",
              "route",
              "requests",
              "baseline",
              "actual",
              "saved",
              "rate"));
      for (JsonNode row : savings.path("routes")) {
        out.add(
            String.format(
                Locale.ROOT,
                "    %-10s %,9d %14s %14s %14s %8s",
                row.path("route").asString(),
                row.path("requests").asLong(),
                usd(row, "baselineUsd"),
                usd(row, "costUsd"),
                usd(row, "savingsUsd"),
                percent(row.path("savingsRate"))));
      }

      out.add("");
      out.add("1. Cost per request by route and model (GET /api/reports/cost-per-request)");
      out.add(
          String.format(
              Locale.ROOT,
              "    %-10s %-24s %9s %14s %16s %16s",
              "route",
              "model",
              "requests",
              "cost",
              "cost/request",
              "baseline/request"));
      for (JsonNode row : costPerRequest.path("rows")) {
        out.add(costRow(row.path("route").asString(), row.path("model").asString(), row));
      }
      out.add(costRow("all", "", costPerRequest.path("overall")));

      out.add("");
      out.add(
          "2. Input and output tokens per request by route (GET /api/reports/tokens-per-request)");
      out.add(
          String.format(
              Locale.ROOT,
              "    %-10s %9s %9s %8s %8s %10s %11s %11s %9s %7s %7s",
              "route",
              "requests",
              "in mean",
              "in p50",
              "in p95",
              "uncached",
              "cache read",
              "cache write",
              "out mean",
              "out p50",
              "out p95"));
      for (JsonNode row : tokensPerRequest.path("routes")) {
        out.add(tokensRow(row.path("route").asString(), row));
      }
      out.add(tokensRow("all", tokensPerRequest.path("overall")));

      out.add("");
      out.add(
          "3. Cache hit rate by route: response cache and provider prompt cache"
              + " (GET /api/reports/cache-hit-rate)");
      out.add(
          String.format(
              Locale.ROOT,
              "    %-10s %9s %10s %10s %15s %19s",
              "route",
              "requests",
              "exact",
              "semantic",
              "response cache",
              "prompt-cache reads"));
      for (JsonNode row : cacheHitRate.path("routes")) {
        out.add(cacheRow(row.path("route").asString(), row));
      }
      out.add(cacheRow("all", cacheHitRate.path("overall")));
      out.add(
          "    (prompt-cache reads: share of the input tokens of provider-answered requests read"
              + " from the provider's cache)");

      out.add("");
      out.add("4. Cost per active user and per conversation (GET /api/reports/cost-per-user)");
      out.add(
          String.format(
              Locale.ROOT,
              "    %-10s %9s %13s %14s %14s %16s",
              "route",
              "requests",
              "active users",
              "cost/user",
              "conversations",
              "cost/conversation"));
      for (JsonNode row : costPerUser.path("routes")) {
        out.add(userRow(row.path("route").asString(), row));
      }
      out.add(userRow("all", costPerUser.path("overall")));
      if (costPerUser.path("overall").path("conversations").asLong() == 0) {
        out.add(
            "    (no conversations: the router does not put a conversation id on usage events"
                + " yet, so cost per conversation has nothing to count)");
      }

      out.add("");
      out.add("5. Quality regression rate per route (GET /api/reports/quality)");
      out.add(
          String.format(
              Locale.ROOT,
              "    %-10s %10s %6s %16s %8s %12s",
              "route",
              "evaluated",
              "bad",
              "regression rate",
              "budget",
              "over budget"));
      for (JsonNode row : quality.path("routes")) {
        out.add(
            String.format(
                Locale.ROOT,
                "    %-10s %,10d %,6d %16s %8s %12s",
                row.path("route").asString(),
                row.path("evaluated").asLong(),
                row.path("bad").asLong(),
                percent(row.path("regressionRate")),
                percent(row.path("budget")),
                row.path("overBudget").asBoolean() ? "yes" : "no"));
      }
      if (quality.path("routes").isEmpty()) {
        out.add("    (no verdicts in the window)");
      }
      return out;
    }

    private static String costRow(String route, String model, JsonNode row) {
      return String.format(
          Locale.ROOT,
          "    %-10s %-24s %,9d %14s %16s %16s",
          route,
          model,
          row.path("requests").asLong(),
          usd(row, "costUsd"),
          usd(row, "costPerRequestUsd"),
          usd(row, "baselinePerRequestUsd"));
    }

    private static String tokensRow(String route, JsonNode row) {
      JsonNode in = row.path("input");
      JsonNode out = row.path("output");
      return String.format(
          Locale.ROOT,
          "    %-10s %,9d %9s %8s %8s %10s %11s %11s %9s %7s %7s",
          route,
          row.path("requests").asLong(),
          number(in.path("mean")),
          number(in.path("p50")),
          number(in.path("p95")),
          number(in.path("uncachedMean")),
          number(in.path("cacheReadMean")),
          number(in.path("cacheWriteMean")),
          number(out.path("mean")),
          number(out.path("p50")),
          number(out.path("p95")));
    }

    private static String cacheRow(String route, JsonNode row) {
      return String.format(
          Locale.ROOT,
          "    %-10s %,9d %10s %10s %15s %19s",
          route,
          row.path("requests").asLong(),
          percent(row.path("exactHitRate")),
          percent(row.path("semanticHitRate")),
          percent(row.path("responseCacheHitRate")),
          percent(row.path("promptCache").path("readShare")));
    }

    private static String userRow(String route, JsonNode row) {
      return String.format(
          Locale.ROOT,
          "    %-10s %,9d %13s %14s %14s %16s",
          route,
          row.path("requests").asLong(),
          row.path("activeUsers").asLong(),
          usd(row, "costPerActiveUserUsd"),
          row.path("conversations").asLong(),
          usd(row, "costPerConversationUsd"));
    }
  }

  static BigDecimal money(JsonNode value) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return BigDecimal.ZERO;
    }
    return new BigDecimal(value.asString());
  }

  private static String usd(JsonNode row, String field) {
    JsonNode value = row.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return "-";
    }
    return "$" + value.asString();
  }

  private static String percent(JsonNode rate) {
    if (rate.isMissingNode() || rate.isNull()) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.1f%%", 100 * rate.asDouble());
  }

  private static String number(JsonNode value) {
    if (value.isMissingNode() || value.isNull()) {
      return "-";
    }
    return String.format(Locale.ROOT, "%,.1f", value.asDouble());
  }
}
