package dev.tokenwise.simulator.batch;

import dev.tokenwise.simulator.batch.AnthropicBatch.Request;
import dev.tokenwise.simulator.wire.Wire;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs Anthropic message batches: {@code in_progress} while each request is answered by the
 * Messages endpoint, then {@code ended} with one result per request (succeeded, errored, canceled
 * or expired); {@code canceling} after a cancel.
 */
@Component
class AnthropicBatches {

  /** Anthropic's limit on requests in one batch. */
  static final int MAX_REQUESTS = 100_000;

  private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  private final Map<String, AnthropicBatch> batches = new ConcurrentHashMap<>();
  private final LineRunner runner;
  private final BatchProperties properties;
  private final JsonMapper json;

  AnthropicBatches(LineRunner runner, BatchProperties properties, JsonMapper json) {
    this.runner = runner;
    this.properties = properties;
    this.json = json;
  }

  AnthropicBatch create(JsonNode body, HttpHeaders headers) {
    HttpHeaders credentials = ApiError.anthropicCredentials(headers);
    BatchFault fault = BatchFault.of(headers);
    if (fault == null) {
      throw ApiError.invalid(
          BatchFault.HEADER + ": must be fail, expire or errors-every-<n>", null);
    }
    if (body == null || !body.isObject()) {
      throw ApiError.invalid("The request body is not valid JSON.", null);
    }
    JsonNode requests = body.path("requests");
    if (!requests.isArray()) {
      throw ApiError.invalid("requests: Field required", "requests");
    }
    if (requests.isEmpty() || requests.size() > MAX_REQUESTS) {
      throw ApiError.invalid(
          "requests: must hold from 1 to " + MAX_REQUESTS + " requests", "requests");
    }
    List<Request> list = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (JsonNode request : requests) {
      int i = list.size();
      JsonNode customId = request.path("custom_id");
      if (!customId.isString() || !CUSTOM_ID.matcher(customId.stringValue()).matches()) {
        throw ApiError.invalid(
            "requests." + i + ".custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
            "custom_id");
      }
      if (!ids.add(customId.stringValue())) {
        throw ApiError.invalid(
            "requests: custom_id values must be unique within a batch; '"
                + customId.stringValue()
                + "' repeats",
            "custom_id");
      }
      if (!request.path("params").isObject()) {
        throw ApiError.invalid("requests." + i + ".params: Field required", "params");
      }
      list.add(new Request(i, customId.stringValue(), request.get("params")));
    }
    AnthropicBatch batch =
        new AnthropicBatch(
            Wire.randomId("msgbatch_", 24),
            list,
            credentials,
            fault,
            properties.completionWindow());
    batches.put(batch.id, batch);
    batch.running(run(batch).subscribe());
    return batch;
  }

  Optional<AnthropicBatch> find(String id) {
    return Optional.ofNullable(batches.get(id));
  }

  List<AnthropicBatch> list() {
    List<AnthropicBatch> all = new ArrayList<>(batches.values());
    all.sort(Comparator.comparing((AnthropicBatch b) -> b.createdAt).reversed());
    return all;
  }

  AnthropicBatch cancel(AnthropicBatch batch) {
    if (batch.cancel()) {
      Mono.delay(properties.cancelling())
          .publishOn(Schedulers.boundedElastic())
          .subscribe(
              tick -> {
                for (Request request : batch.requests) {
                  batch.result(request.customId(), "canceled", typed(request, "canceled"));
                }
                batch.end();
              });
    }
    return batch;
  }

  private Mono<Void> run(AnthropicBatch batch) {
    Instant startedAt = Instant.now();
    if (batch.fault.kind() == BatchFault.Kind.EXPIRE) {
      return Mono.delay(properties.inProgress())
          .doOnNext(
              tick -> {
                for (Request request : batch.requests) {
                  batch.result(request.customId(), "expired", typed(request, "expired"));
                }
                batch.end();
              })
          .then();
    }
    return Flux.fromIterable(batch.requests)
        .publishOn(Schedulers.boundedElastic())
        .flatMap(request -> answer(batch, request), properties.concurrency())
        .then(
            Mono.defer(
                () -> Mono.delay(OpenAiBatches.remaining(startedAt, properties.inProgress()))))
        .doOnNext(
            tick -> {
              if (batch.status().equals("in_progress")) {
                batch.end();
              }
            })
        .then();
  }

  private Mono<Void> answer(AnthropicBatch batch, Request request) {
    if (batch.fault.kind() == BatchFault.Kind.FAIL || batch.fault.failsLine(request.index())) {
      batch.result(
          request.customId(),
          "errored",
          errored(request, "api_error", "Internal server error (injected)."));
      return Mono.empty();
    }
    if (request.params().path("max_tokens").isNumber()
        && request.params().path("max_tokens").asLong() == 0) {
      batch.result(
          request.customId(),
          "errored",
          errored(
              request,
              "invalid_request_error",
              "max_tokens: max_tokens of 0 is not allowed in a message batch"));
      return Mono.empty();
    }
    if (request.params().path("stream").asBoolean(false)) {
      batch.result(
          request.customId(),
          "errored",
          errored(request, "invalid_request_error", "stream: streaming is not allowed in a batch"));
      return Mono.empty();
    }
    return runner
        .run("/v1/messages", batch.credentials, request.params().toString())
        .doOnNext(
            reply -> {
              JsonNode body;
              try {
                body = json.readTree(reply.body());
              } catch (JacksonException e) {
                body = json.createObjectNode();
              }
              if (reply.status() == 200) {
                ObjectNode line = json.createObjectNode().put("custom_id", request.customId());
                line.putObject("result").put("type", "succeeded").set("message", body);
                batch.result(request.customId(), "succeeded", line);
              } else {
                ObjectNode line = json.createObjectNode().put("custom_id", request.customId());
                ObjectNode error = json.createObjectNode();
                error.put("type", "error");
                error.set("error", body.path("error"));
                error.put("request_id", reply.requestId());
                line.putObject("result").put("type", "errored").set("error", error);
                batch.result(request.customId(), "errored", line);
              }
            })
        .then();
  }

  private ObjectNode typed(Request request, String type) {
    ObjectNode line = json.createObjectNode().put("custom_id", request.customId());
    line.putObject("result").put("type", type);
    return line;
  }

  private ObjectNode errored(Request request, String type, String message) {
    ObjectNode line = json.createObjectNode().put("custom_id", request.customId());
    ObjectNode error = line.putObject("result").put("type", "errored").putObject("error");
    error.put("type", "error");
    error.putObject("error").put("type", type).put("message", message);
    error.putNull("request_id");
    return line;
  }
}
