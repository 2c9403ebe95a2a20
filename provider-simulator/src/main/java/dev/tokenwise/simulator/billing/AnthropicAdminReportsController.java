package dev.tokenwise.simulator.billing;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's Admin API usage and cost reports over what the simulator billed: {@code GET
 * /v1/organizations/usage_report/messages} and {@code GET /v1/organizations/cost_report} (Claude
 * API reference, "Usage Report" and "Cost Report"), with an admin key ({@code x-api-key:
 * sk-ant-admin…}) and {@code anthropic-version}. Cost amounts are decimal strings in cents, as the
 * reference says. The simulator is one organisation and its default workspace ({@code workspace_id}
 * null).
 */
@RestController
class AnthropicAdminReportsController {

  private static final Set<String> USAGE_GROUPS =
      Set.of("api_key_id", "workspace_id", "model", "service_tier", "context_window");
  private static final Set<String> COST_GROUPS = Set.of("workspace_id", "description");
  private static final BigDecimal CENTS = BigDecimal.valueOf(100);

  private final BillingLedger ledger;
  private final JsonMapper json;
  private final Clock clock;

  @Autowired
  AnthropicAdminReportsController(BillingLedger ledger, JsonMapper json) {
    this(ledger, json, Clock.systemUTC());
  }

  AnthropicAdminReportsController(BillingLedger ledger, JsonMapper json, Clock clock) {
    this.ledger = ledger;
    this.json = json;
    this.clock = clock;
  }

  @GetMapping("/v1/organizations/usage_report/messages")
  ResponseEntity<ObjectNode> usage(ServerWebExchange exchange) {
    MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
    try {
      requireAdminKey(exchange.getRequest().getHeaders());
      ReportWindow window = window(query);
      List<String> groups = groups(query, USAGE_GROUPS);
      List<String> models = ReportWindow.all(query, "models");
      List<String> keys = ReportWindow.all(query, "api_key_ids");
      List<String> tiers = ReportWindow.all(query, "service_tiers");
      ObjectNode page = json.createObjectNode();
      ArrayNode data = page.putArray("data");
      for (Instant start : window.starts()) {
        Instant end = start.plus(window.width());
        Map<List<String>, long[]> sums = new LinkedHashMap<>();
        for (BilledRequest line : ledger.lines("anthropic", start, end)) {
          if ((!models.isEmpty() && !models.contains(line.model()))
              || (!keys.isEmpty() && !keys.contains(line.apiKeyId()))
              || (!tiers.isEmpty() && !tiers.contains(tier(line)))) {
            continue;
          }
          long[] sum = sums.computeIfAbsent(key(groups, line), k -> new long[5]);
          sum[0] += line.uncachedInput();
          sum[1] += line.cachedInput();
          sum[2] += line.write5m();
          sum[3] += line.write1h();
          sum[4] += line.output();
        }
        ObjectNode bucket = bucket(data, start, end);
        ArrayNode results = bucket.putArray("results");
        sums.forEach(
            (key, sum) -> {
              ObjectNode result = results.addObject();
              result.put("uncached_input_tokens", sum[0]);
              result.put("cache_read_input_tokens", sum[1]);
              ObjectNode creation = result.putObject("cache_creation");
              creation.put("ephemeral_1h_input_tokens", sum[3]);
              creation.put("ephemeral_5m_input_tokens", sum[2]);
              result.put("output_tokens", sum[4]);
              result.putObject("server_tool_use").put("web_search_requests", 0);
              for (String dimension : USAGE_GROUPS.stream().sorted().toList()) {
                int at = groups.indexOf(dimension);
                if (at < 0) {
                  result.putNull(dimension);
                } else {
                  result.put(dimension, key.get(at));
                }
              }
            });
      }
      finish(page, window);
      return ResponseEntity.ok(page);
    } catch (Refused e) {
      return e.response(json);
    } catch (ReportWindow.BadQuery e) {
      return new Refused(HttpStatus.BAD_REQUEST, "invalid_request_error", e.getMessage())
          .response(json);
    }
  }

  @GetMapping("/v1/organizations/cost_report")
  ResponseEntity<ObjectNode> costs(ServerWebExchange exchange) {
    MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
    try {
      requireAdminKey(exchange.getRequest().getHeaders());
      String width = query.getFirst("bucket_width");
      if (width != null && !width.equals("1d")) {
        throw new ReportWindow.BadQuery("bucket_width: Input should be '1d'");
      }
      ReportWindow window = window(query);
      boolean described = groups(query, COST_GROUPS).contains("description");
      ObjectNode page = json.createObjectNode();
      ArrayNode data = page.putArray("data");
      for (Instant start : window.starts()) {
        Instant end = start.plus(window.width());
        Map<List<String>, BigDecimal> sums = new LinkedHashMap<>();
        for (BilledRequest line : ledger.lines("anthropic", start, end)) {
          add(sums, described, line, "uncached_input_tokens", line.uncachedCost());
          add(sums, described, line, "output_tokens", line.outputCost());
          add(sums, described, line, "cache_read_input_tokens", line.cachedCost());
          add(
              sums,
              described,
              line,
              "cache_creation.ephemeral_5m_input_tokens",
              line.write5mCost());
          add(
              sums,
              described,
              line,
              "cache_creation.ephemeral_1h_input_tokens",
              line.write1hCost());
        }
        ArrayNode results = bucket(data, start, end).putArray("results");
        sums.forEach(
            (key, amount) -> {
              ObjectNode result = results.addObject();
              result.put("amount", amount.multiply(CENTS).stripTrailingZeros().toPlainString());
              result.put("currency", "USD");
              if (described) {
                result.put("cost_type", "tokens");
                result.put("context_window", key.get(2));
                result.put("description", description(key.get(0), key.get(3)));
                result.put("model", key.get(0));
                result.put("service_tier", key.get(1));
                result.put("token_type", key.get(3));
              } else {
                for (String field :
                    List.of(
                        "cost_type",
                        "context_window",
                        "description",
                        "model",
                        "service_tier",
                        "token_type")) {
                  result.putNull(field);
                }
              }
              result.putNull("workspace_id");
            });
      }
      finish(page, window);
      return ResponseEntity.ok(page);
    } catch (Refused e) {
      return e.response(json);
    } catch (ReportWindow.BadQuery e) {
      return new Refused(HttpStatus.BAD_REQUEST, "invalid_request_error", e.getMessage())
          .response(json);
    }
  }

  private static void add(
      Map<List<String>, BigDecimal> sums,
      boolean described,
      BilledRequest line,
      String tokenType,
      BigDecimal amount) {
    if (amount.signum() == 0) {
      return;
    }
    List<String> key =
        described ? List.of(line.model(), tier(line), contextWindow(line), tokenType) : List.of();
    sums.merge(key, amount, BigDecimal::add);
  }

  /** The wording of the cost report's line descriptions is the simulator's own. */
  private static String description(String model, String tokenType) {
    String kind =
        switch (tokenType) {
          case "uncached_input_tokens" -> "Input Tokens";
          case "output_tokens" -> "Output Tokens";
          case "cache_read_input_tokens" -> "Cache Read Tokens";
          case "cache_creation.ephemeral_5m_input_tokens" -> "Cache Write Tokens (5m)";
          default -> "Cache Write Tokens (1h)";
        };
    return model + " Usage - " + kind;
  }

  private static String tier(BilledRequest line) {
    return line.batch() ? "batch" : "standard";
  }

  private static String contextWindow(BilledRequest line) {
    return line.longContext() ? "200k-1M" : "0-200k";
  }

  private static List<String> key(List<String> groups, BilledRequest line) {
    return groups.stream()
        .map(
            group ->
                switch (group) {
                  case "model" -> line.model();
                  case "service_tier" -> tier(line);
                  case "api_key_id" -> line.apiKeyId();
                  case "context_window" -> contextWindow(line);
                  default -> null;
                })
        .toList();
  }

  private ReportWindow window(MultiValueMap<String, String> query) {
    Instant start = rfc3339(query.getFirst("starting_at"), "starting_at", true);
    Instant end = rfc3339(query.getFirst("ending_at"), "ending_at", false);
    return ReportWindow.of(
        start,
        end,
        query.getFirst("bucket_width"),
        query.getFirst("limit"),
        query.getFirst("page"),
        clock.instant());
  }

  private static Instant rfc3339(String value, String name, boolean required) {
    if (value == null || value.isBlank()) {
      if (required) {
        throw new ReportWindow.BadQuery(name + ": Field required");
      }
      return null;
    }
    try {
      return Instant.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw new ReportWindow.BadQuery(name + ": Input should be a valid RFC 3339 datetime");
    }
  }

  private static List<String> groups(MultiValueMap<String, String> query, Set<String> allowed) {
    List<String> groups = ReportWindow.all(query, "group_by");
    for (String group : groups) {
      if (!allowed.contains(group)) {
        throw new ReportWindow.BadQuery(
            "group_by: Input should be "
                + String.join(" or ", allowed.stream().sorted().map(g -> "'" + g + "'").toList()));
      }
    }
    return groups.stream().distinct().toList();
  }

  private static void finish(ObjectNode page, ReportWindow window) {
    page.put("has_more", window.nextPage() != null);
    if (window.nextPage() == null) {
      page.putNull("next_page");
    } else {
      page.put("next_page", window.nextPage().toString());
    }
  }

  private static ObjectNode bucket(ArrayNode data, Instant start, Instant end) {
    ObjectNode bucket = data.addObject();
    bucket.put("starting_at", start.toString());
    bucket.put("ending_at", end.toString());
    return bucket;
  }

  private static void requireAdminKey(HttpHeaders headers) {
    String key = headers.getFirst("x-api-key");
    if (key == null || key.isBlank()) {
      throw new Refused(
          HttpStatus.UNAUTHORIZED, "authentication_error", "x-api-key header is required");
    }
    if (!key.trim().startsWith("sk-ant-admin")) {
      throw new Refused(
          HttpStatus.UNAUTHORIZED,
          "authentication_error",
          "invalid x-api-key: the Admin API needs an admin key (sk-ant-admin…)");
    }
    String version = headers.getFirst("anthropic-version");
    if (version == null || version.isBlank()) {
      throw new Refused(
          HttpStatus.BAD_REQUEST, "invalid_request_error", "anthropic-version: header is required");
    }
  }

  /** A refusal in Anthropic's error envelope. */
  private static final class Refused extends RuntimeException {
    private final HttpStatus status;
    private final String type;

    Refused(HttpStatus status, String type, String message) {
      super(message);
      this.status = status;
      this.type = type;
    }

    ResponseEntity<ObjectNode> response(JsonMapper json) {
      ObjectNode body = json.createObjectNode();
      body.put("type", "error");
      body.putObject("error").put("type", type).put("message", getMessage());
      body.putNull("request_id");
      return ResponseEntity.status(status).body(body);
    }
  }
}
