package dev.tokenwise.simulator.openai;

import dev.tokenwise.simulator.model.ModelCatalog;
import dev.tokenwise.simulator.model.ModelCatalog.Provider;
import dev.tokenwise.simulator.stats.RequestLog;
import dev.tokenwise.simulator.wire.Wire;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's {@code GET /v1/models} and {@code GET /v1/models/{model}}. Requests carrying Anthropic's
 * {@code anthropic-version} header get Anthropic's models list instead.
 */
@RestController
class OpenAiModelsController {

  /** A fixed creation time (2025-08-07T00:00:00Z): the simulator's models do not age. */
  private static final long CREATED = 1_754_524_800L;

  private final JsonMapper json;
  private final ModelCatalog models;
  private final RequestLog requests;

  OpenAiModelsController(JsonMapper json, ModelCatalog models, RequestLog requests) {
    this.json = json;
    this.models = models;
    this.requests = requests;
  }

  @GetMapping(path = "/v1/models", headers = "!anthropic-version")
  Mono<Void> list(ServerWebExchange exchange) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    requests.record("GET /v1/models", headers);
    OpenAiHeaders.common(exchange.getResponse().getHeaders());
    OpenAiHeaders.processing(exchange.getResponse().getHeaders(), Duration.ZERO);
    try {
      OpenAiHeaders.requireApiKey(headers);
    } catch (OpenAiError e) {
      return Wire.json(exchange, e.status(), json.writeValueAsString(e.body()));
    }
    ObjectNode list = json.createObjectNode();
    list.put("object", "list");
    ArrayNode data = list.putArray("data");
    models.ids(Provider.OPENAI).forEach(id -> data.add(model(id)));
    return Wire.json(exchange, HttpStatus.OK, json.writeValueAsString(list));
  }

  @GetMapping(path = "/v1/models/{model}", headers = "!anthropic-version")
  Mono<Void> retrieve(ServerWebExchange exchange, @PathVariable String model) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    requests.record("GET /v1/models/{model}", headers);
    OpenAiHeaders.common(exchange.getResponse().getHeaders());
    OpenAiHeaders.processing(exchange.getResponse().getHeaders(), Duration.ZERO);
    try {
      OpenAiHeaders.requireApiKey(headers);
      if (models.resolve(Provider.OPENAI, model).isEmpty()) {
        throw new OpenAiError(
            HttpStatus.NOT_FOUND,
            "The model '" + model + "' does not exist",
            "invalid_request_error",
            "model",
            "model_not_found");
      }
    } catch (OpenAiError e) {
      return Wire.json(exchange, e.status(), json.writeValueAsString(e.body()));
    }
    return Wire.json(exchange, HttpStatus.OK, json.writeValueAsString(model(model)));
  }

  private ObjectNode model(String id) {
    ObjectNode model = json.createObjectNode();
    model.put("id", id);
    model.put("object", "model");
    model.put("created", CREATED);
    model.put("owned_by", "system");
    return model;
  }
}
