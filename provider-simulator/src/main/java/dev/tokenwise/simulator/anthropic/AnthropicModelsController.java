package dev.tokenwise.simulator.anthropic;

import dev.tokenwise.simulator.model.ModelCatalog;
import dev.tokenwise.simulator.model.ModelCatalog.Provider;
import dev.tokenwise.simulator.stats.RequestLog;
import dev.tokenwise.simulator.wire.Wire;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's {@code GET /v1/models}, chosen over OpenAI's by the {@code anthropic-version} header.
 */
@RestController
class AnthropicModelsController {

  private final JsonMapper json;
  private final ModelCatalog models;
  private final RequestLog requests;

  AnthropicModelsController(JsonMapper json, ModelCatalog models, RequestLog requests) {
    this.json = json;
    this.models = models;
    this.requests = requests;
  }

  @GetMapping(path = "/v1/models", headers = "anthropic-version")
  Mono<Void> list(ServerWebExchange exchange) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    requests.record("GET /v1/models", headers);
    String requestId = AnthropicHeaders.common(exchange.getResponse().getHeaders());
    try {
      AnthropicHeaders.requireKeyAndVersion(headers);
    } catch (AnthropicError e) {
      return Wire.json(exchange, e.status(), json.writeValueAsString(e.body(requestId)));
    }
    List<String> ids = models.ids(Provider.ANTHROPIC);
    ObjectNode page = json.createObjectNode();
    ArrayNode data = page.putArray("data");
    for (String id : ids) {
      data.addObject()
          .put("type", "model")
          .put("id", id)
          .put("display_name", id)
          .put("created_at", "2025-09-29T00:00:00Z");
    }
    page.put("has_more", false);
    page.put("first_id", ids.isEmpty() ? null : ids.get(0));
    page.put("last_id", ids.isEmpty() ? null : ids.get(ids.size() - 1));
    return Wire.json(exchange, HttpStatus.OK, json.writeValueAsString(page));
  }
}
