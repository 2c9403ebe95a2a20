package dev.tokenwise.simulator.billing;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
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
 * OpenAI's admin usage and cost reports over what the simulator billed: {@code GET
 * /v1/organization/usage/completions} and {@code GET /v1/organization/costs} (OpenAI API reference,
 * "Usage" and "Costs"), with an admin key ({@code Authorization: Bearer sk-admin-…}). The simulator
 * is one organisation: the reports cover every OpenAI request it billed.
 */
@RestController
class OpenAiAdminReportsController {

  private static final Set<String> USAGE_GROUPS =
      Set.of("project_id", "user_id", "api_key_id", "model", "batch", "service_tier");
  private static final Set<String> COST_GROUPS = Set.of("project_id", "line_item");

  private final BillingLedger ledger;
  private final JsonMapper json;
  private final Clock clock;

  @Autowired
  OpenAiAdminReportsController(BillingLedger ledger, JsonMapper json) {
    this(ledger, json, Clock.systemUTC());
  }

  OpenAiAdminReportsController(BillingLedger ledger, JsonMapper json, Clock clock) {
    this.ledger = ledger;
    this.json = json;
    this.clock = clock;
  }

  @GetMapping("/v1/organization/usage/completions")
  ResponseEntity<ObjectNode> usage(ServerWebExchange exchange) {
    MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
    try {
      requireAdminKey(exchange.getRequest().getHeaders());
      ReportWindow window = window(query);
      List<String> groups = groups(query, USAGE_GROUPS);
      List<String> models = ReportWindow.all(query, "models");
      List<String> keys = ReportWindow.all(query, "api_key_ids");
      String batchOnly = query.getFirst("batch");
      ObjectNode page = page(window);
      ArrayNode data = page.putArray("data");
      for (Instant start : window.starts()) {
        Instant end = start.plus(window.width());
        Map<List<Object>, long[]> sums = new LinkedHashMap<>();
        for (BilledRequest line : ledger.lines("openai", start, end)) {
          if ((!models.isEmpty() && !models.contains(line.model()))
              || (!keys.isEmpty() && !keys.contains(line.apiKeyId()))
              || (batchOnly != null && Boolean.parseBoolean(batchOnly) != line.batch())) {
            continue;
          }
          long[] sum = sums.computeIfAbsent(key(groups, line), k -> new long[4]);
          sum[0] += line.inputTokens();
          sum[1] += line.cachedInput();
          sum[2] += line.output();
          sum[3] += line.requests();
        }
        ObjectNode bucket = bucket(data, start, end);
        ArrayNode results = bucket.putArray("results");
        sums.forEach(
            (key, sum) -> {
              ObjectNode result = results.addObject();
              result.put("object", "organization.usage.completions.result");
              result.put("input_tokens", sum[0]);
              result.put("output_tokens", sum[2]);
              result.put("input_cached_tokens", sum[1]);
              result.put("input_audio_tokens", 0);
              result.put("output_audio_tokens", 0);
              result.put("num_model_requests", sum[3]);
              for (String dimension : List.of("project_id", "user_id", "api_key_id", "model")) {
                int at = groups.indexOf(dimension);
                if (at < 0) {
                  result.putNull(dimension);
                } else {
                  result.put(dimension, (String) key.get(at));
                }
              }
              int batchAt = groups.indexOf("batch");
              if (batchAt < 0) {
                result.putNull("batch");
              } else {
                result.put("batch", (Boolean) key.get(batchAt));
              }
              int tierAt = groups.indexOf("service_tier");
              if (tierAt < 0) {
                result.putNull("service_tier");
              } else {
                result.put("service_tier", (String) key.get(tierAt));
              }
            });
      }
      finish(page, window);
      return ResponseEntity.ok(page);
    } catch (Refused e) {
      return e.response(json);
    } catch (ReportWindow.BadQuery e) {
      return new Refused(HttpStatus.BAD_REQUEST, e.getMessage(), "invalid_request_error")
          .response(json);
    }
  }

  @GetMapping("/v1/organization/costs")
  ResponseEntity<ObjectNode> costs(ServerWebExchange exchange) {
    MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
    try {
      requireAdminKey(exchange.getRequest().getHeaders());
      String width = query.getFirst("bucket_width");
      if (width != null && !width.equals("1d")) {
        throw new ReportWindow.BadQuery("bucket_width must be 1d");
      }
      ReportWindow window = window(query);
      List<String> groups = groups(query, COST_GROUPS);
      boolean byLineItem = groups.contains("line_item");
      ObjectNode page = page(window);
      ArrayNode data = page.putArray("data");
      for (Instant start : window.starts()) {
        Instant end = start.plus(window.width());
        Map<String, BigDecimal> sums = new LinkedHashMap<>();
        for (BilledRequest line : ledger.lines("openai", start, end)) {
          String prefix = line.model() + (line.batch() ? ", batch " : ", ");
          add(sums, byLineItem ? prefix + "input" : "", line.uncachedCost());
          add(sums, byLineItem ? prefix + "cached input" : "", line.cachedCost());
          add(sums, byLineItem ? prefix + "output" : "", line.outputCost());
        }
        ArrayNode results = bucket(data, start, end).putArray("results");
        sums.forEach(
            (item, amount) -> {
              ObjectNode result = results.addObject();
              result.put("object", "organization.costs.result");
              result.putObject("amount").put("value", amount).put("currency", "usd");
              if (byLineItem) {
                result.put("line_item", item);
              } else {
                result.putNull("line_item");
              }
              result.putNull("project_id");
            });
      }
      finish(page, window);
      return ResponseEntity.ok(page);
    } catch (Refused e) {
      return e.response(json);
    } catch (ReportWindow.BadQuery e) {
      return new Refused(HttpStatus.BAD_REQUEST, e.getMessage(), "invalid_request_error")
          .response(json);
    }
  }

  private static void add(Map<String, BigDecimal> sums, String item, BigDecimal amount) {
    if (amount.signum() != 0) {
      sums.merge(item, amount, BigDecimal::add);
    }
  }

  private ReportWindow window(MultiValueMap<String, String> query) {
    Instant start = epoch(query.getFirst("start_time"), "start_time", true);
    Instant end = epoch(query.getFirst("end_time"), "end_time", false);
    return ReportWindow.of(
        start,
        end,
        query.getFirst("bucket_width"),
        query.getFirst("limit"),
        query.getFirst("page"),
        clock.instant());
  }

  private static Instant epoch(String value, String name, boolean required) {
    if (value == null || value.isBlank()) {
      if (required) {
        throw new ReportWindow.BadQuery("Missing required parameter: '" + name + "'.");
      }
      return null;
    }
    try {
      return Instant.ofEpochSecond(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      throw new ReportWindow.BadQuery(name + " must be an integer (unix seconds)");
    }
  }

  private static List<String> groups(MultiValueMap<String, String> query, Set<String> allowed) {
    List<String> groups = ReportWindow.all(query, "group_by");
    for (String group : groups) {
      if (!allowed.contains(group)) {
        throw new ReportWindow.BadQuery(
            "group_by must be a combination of "
                + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return groups.stream().distinct().toList();
  }

  private static List<Object> key(List<String> groups, BilledRequest line) {
    return groups.stream()
        .<Object>map(
            group ->
                switch (group) {
                  case "model" -> line.model();
                  case "batch" -> line.batch();
                  case "api_key_id" -> line.apiKeyId();
                  case "service_tier" -> "default";
                  default -> "";
                })
        .map(value -> value.equals("") ? null : value)
        .toList();
  }

  private ObjectNode page(ReportWindow window) {
    ObjectNode page = json.createObjectNode();
    page.put("object", "page");
    return page;
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
    bucket.put("object", "bucket");
    bucket.put("start_time", start.getEpochSecond());
    bucket.put("end_time", end.getEpochSecond());
    return bucket;
  }

  private static void requireAdminKey(HttpHeaders headers) {
    String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
    if (authorization == null
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        || authorization.substring(7).isBlank()) {
      throw new Refused(
          HttpStatus.UNAUTHORIZED,
          "You didn't provide an API key. You need to provide your API key in an Authorization"
              + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          "invalid_request_error");
    }
    if (!authorization.substring(7).trim().startsWith("sk-admin-")) {
      throw new Refused(
          HttpStatus.FORBIDDEN,
          "You have insufficient permissions for this operation. Missing scopes: api.usage.read."
              + " This endpoint needs an admin API key (sk-admin-…).",
          "invalid_request_error");
    }
  }

  /** A refusal in OpenAI's error envelope. */
  private static final class Refused extends RuntimeException {
    private final HttpStatus status;
    private final String type;

    Refused(HttpStatus status, String message, String type) {
      super(message);
      this.status = status;
      this.type = type;
    }

    ResponseEntity<ObjectNode> response(JsonMapper json) {
      ObjectNode body = json.createObjectNode();
      ObjectNode error = body.putObject("error");
      error.put("message", getMessage());
      error.put("type", type);
      error.putNull("param");
      error.putNull("code");
      return ResponseEntity.status(status).body(body);
    }
  }
}
