package dev.tokenwise.simulator.batch;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic Message Batches: {@code POST /v1/messages/batches}, {@code GET
 * /v1/messages/batches[/{id}]}, {@code GET /v1/messages/batches/{id}/results} (JSONL) and {@code
 * POST /v1/messages/batches/{id}/cancel}.
 */
@RestController
class AnthropicBatchesController {

  private static final MediaType JSONL = MediaType.parseMediaType("application/x-jsonl");

  private final AnthropicBatches batches;
  private final JsonMapper json;

  AnthropicBatchesController(AnthropicBatches batches, JsonMapper json) {
    this.batches = batches;
    this.json = json;
  }

  @PostMapping("/v1/messages/batches")
  ResponseEntity<String> create(
      ServerWebExchange exchange,
      @RequestHeader HttpHeaders headers,
      @RequestBody(required = false) String body) {
    try {
      JsonNode request;
      try {
        request = body == null || body.isBlank() ? null : json.readTree(body);
      } catch (JacksonException e) {
        request = null;
      }
      return ok(batches.create(request, headers).toJson(baseUrl(exchange)));
    } catch (ApiError e) {
      return e.anthropic();
    }
  }

  @GetMapping("/v1/messages/batches/{id}")
  ResponseEntity<String> get(
      ServerWebExchange exchange,
      @RequestHeader HttpHeaders headers,
      @PathVariable("id") String id) {
    try {
      ApiError.anthropicCredentials(headers);
      return ok(find(id).toJson(baseUrl(exchange)));
    } catch (ApiError e) {
      return e.anthropic();
    }
  }

  @GetMapping("/v1/messages/batches")
  ResponseEntity<String> list(
      ServerWebExchange exchange,
      @RequestHeader HttpHeaders headers,
      @RequestParam(name = "limit", defaultValue = "20") int limit,
      @RequestParam(name = "after_id", required = false) String afterId) {
    try {
      ApiError.anthropicCredentials(headers);
      List<AnthropicBatch> all = batches.list();
      int from = 0;
      if (afterId != null) {
        for (int i = 0; i < all.size(); i++) {
          if (all.get(i).id.equals(afterId)) {
            from = i + 1;
          }
        }
      }
      List<AnthropicBatch> page =
          all.subList(Math.min(from, all.size()), Math.min(all.size(), from + limit));
      ObjectNode list = json.createObjectNode();
      var data = list.putArray("data");
      page.forEach(b -> data.add(b.toJson(baseUrl(exchange))));
      list.put("has_more", from + limit < all.size());
      list.put("first_id", page.isEmpty() ? null : page.get(0).id);
      list.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).id);
      return ok(list);
    } catch (ApiError e) {
      return e.anthropic();
    }
  }

  @GetMapping("/v1/messages/batches/{id}/results")
  ResponseEntity<?> results(@RequestHeader HttpHeaders headers, @PathVariable("id") String id) {
    try {
      ApiError.anthropicCredentials(headers);
      AnthropicBatch batch = find(id);
      if (!batch.status().equals("ended")) {
        throw ApiError.invalid(
            "Batch " + id + " has not ended: results are available once processing ends.", null);
      }
      StringBuilder text = new StringBuilder();
      for (String line : batch.results()) {
        text.append(line).append('\n');
      }
      return ResponseEntity.ok()
          .contentType(JSONL)
          .body(text.toString().getBytes(StandardCharsets.UTF_8));
    } catch (ApiError e) {
      return e.anthropic();
    }
  }

  @PostMapping("/v1/messages/batches/{id}/cancel")
  ResponseEntity<String> cancel(
      ServerWebExchange exchange,
      @RequestHeader HttpHeaders headers,
      @PathVariable("id") String id) {
    try {
      ApiError.anthropicCredentials(headers);
      return ok(batches.cancel(find(id)).toJson(baseUrl(exchange)));
    } catch (ApiError e) {
      return e.anthropic();
    }
  }

  private AnthropicBatch find(String id) {
    return batches
        .find(id)
        .orElseThrow(() -> ApiError.notFound("No message batch found with id " + id));
  }

  private static String baseUrl(ServerWebExchange exchange) {
    var uri = exchange.getRequest().getURI();
    return uri.getScheme() + "://" + uri.getAuthority();
  }

  private static ResponseEntity<String> ok(JsonNode body) {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body.toString());
  }
}
