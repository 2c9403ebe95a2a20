package dev.tokenwise.simulator.batch;

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
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI Batches: {@code POST /v1/batches}, {@code GET /v1/batches/{id}}, {@code POST
 * /v1/batches/{id}/cancel} and {@code GET /v1/batches}.
 */
@RestController
class OpenAiBatchesController {

  private final OpenAiBatches batches;
  private final JsonMapper json;

  OpenAiBatchesController(OpenAiBatches batches, JsonMapper json) {
    this.batches = batches;
    this.json = json;
  }

  @PostMapping("/v1/batches")
  ResponseEntity<String> create(
      @RequestHeader HttpHeaders headers, @RequestBody(required = false) String body) {
    try {
      JsonNode request;
      try {
        request = body == null || body.isBlank() ? null : json.readTree(body);
      } catch (JacksonException e) {
        request = null;
      }
      return ok(batches.create(request, headers).toJson());
    } catch (ApiError e) {
      return e.openAi();
    }
  }

  @GetMapping("/v1/batches/{id}")
  ResponseEntity<String> get(@RequestHeader HttpHeaders headers, @PathVariable("id") String id) {
    try {
      ApiError.openAiCredentials(headers);
      return ok(find(id).toJson());
    } catch (ApiError e) {
      return e.openAi();
    }
  }

  @PostMapping("/v1/batches/{id}/cancel")
  ResponseEntity<String> cancel(@RequestHeader HttpHeaders headers, @PathVariable("id") String id) {
    try {
      ApiError.openAiCredentials(headers);
      return ok(batches.cancel(find(id)).toJson());
    } catch (ApiError e) {
      return e.openAi();
    }
  }

  @GetMapping("/v1/batches")
  ResponseEntity<String> list(
      @RequestHeader HttpHeaders headers,
      @RequestParam(name = "after", required = false) String after,
      @RequestParam(name = "limit", defaultValue = "20") int limit) {
    try {
      ApiError.openAiCredentials(headers);
      if (limit < 1 || limit > 100) {
        throw ApiError.invalid("limit must be from 1 to 100", "limit");
      }
      List<OpenAiBatch> page = batches.list(after, limit + 1);
      boolean more = page.size() > limit;
      page = page.subList(0, Math.min(limit, page.size()));
      ObjectNode list = json.createObjectNode().put("object", "list");
      var data = list.putArray("data");
      page.forEach(b -> data.add(b.toJson()));
      list.put("first_id", page.isEmpty() ? null : page.get(0).id);
      list.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).id);
      list.put("has_more", more);
      return ok(list);
    } catch (ApiError e) {
      return e.openAi();
    }
  }

  private OpenAiBatch find(String id) {
    return batches
        .find(id)
        .orElseThrow(() -> ApiError.notFound("No batch found with id '" + id + "'."));
  }

  private static ResponseEntity<String> ok(JsonNode body) {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body.toString());
  }
}
