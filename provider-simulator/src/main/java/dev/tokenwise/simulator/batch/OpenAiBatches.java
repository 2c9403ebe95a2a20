package dev.tokenwise.simulator.batch;

import dev.tokenwise.simulator.wire.Wire;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * Runs OpenAI batches: {@code validating} (the input file is checked line by line), {@code
 * in_progress} (each line answered by the chat endpoint), {@code finalizing}, {@code completed}
 * with an output file and, when lines failed, an error file; or {@code failed}, {@code expired},
 * {@code cancelling} then {@code cancelled}.
 */
@Component
class OpenAiBatches {

  /** OpenAI's limit on requests in one input file. */
  static final int MAX_LINES = 50_000;

  private final Map<String, OpenAiBatch> batches = new ConcurrentHashMap<>();
  private final FileStore files;
  private final LineRunner runner;
  private final BatchProperties properties;
  private final JsonMapper json;

  OpenAiBatches(FileStore files, LineRunner runner, BatchProperties properties, JsonMapper json) {
    this.files = files;
    this.runner = runner;
    this.properties = properties;
    this.json = json;
  }

  OpenAiBatch create(JsonNode request, HttpHeaders headers) {
    HttpHeaders credentials = ApiError.openAiCredentials(headers);
    BatchFault fault = BatchFault.of(headers);
    if (fault == null) {
      throw ApiError.invalid(BatchFault.HEADER + " must be fail, expire or errors-every-<n>", null);
    }
    if (request == null || !request.isObject()) {
      throw ApiError.invalid("We could not parse the JSON body of your request.", null);
    }
    String inputFileId = requiredString(request, "input_file_id");
    String endpoint = requiredString(request, "endpoint");
    String window = requiredString(request, "completion_window");
    if (!endpoint.equals("/v1/chat/completions")) {
      throw ApiError.invalid(
          "The simulator batches only /v1/chat/completions, got '" + endpoint + "'", "endpoint");
    }
    if (!window.equals("24h")) {
      throw ApiError.invalid(
          "'" + window + "' is not one of ['24h'] - 'completion_window'", "completion_window");
    }
    JsonNode metadata = request.path("metadata");
    if (!metadata.isMissingNode() && !metadata.isNull()) {
      if (!metadata.isObject() || metadata.size() > 16) {
        throw ApiError.invalid("metadata must be an object of at most 16 pairs", "metadata");
      }
    } else {
      metadata = null;
    }
    StoredFile input =
        files
            .find(inputFileId)
            .orElseThrow(() -> ApiError.notFound("No such File object: " + inputFileId));
    if (!input.purpose().equals("batch")) {
      throw ApiError.invalid(
          "The input file must be uploaded with purpose 'batch'.", "input_file_id");
    }
    OpenAiBatch batch =
        new OpenAiBatch(
            Wire.randomHexId("batch_"),
            endpoint,
            inputFileId,
            metadata,
            credentials,
            fault,
            properties.completionWindow().toSeconds());
    batches.put(batch.id, batch);
    batch.running(
        Mono.delay(properties.validating())
            .publishOn(Schedulers.boundedElastic())
            .flatMap(tick -> validateAndRun(batch, input))
            .subscribe());
    return batch;
  }

  Optional<OpenAiBatch> find(String id) {
    return Optional.ofNullable(batches.get(id));
  }

  /** Newest first, after the batch {@code after} when given. */
  List<OpenAiBatch> list(String after, int limit) {
    List<OpenAiBatch> all = new ArrayList<>(batches.values());
    all.sort(
        Comparator.comparingLong((OpenAiBatch b) -> b.createdAt)
            .reversed()
            .thenComparing(b -> b.id, Comparator.reverseOrder()));
    int from = 0;
    if (after != null) {
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).id.equals(after)) {
          from = i + 1;
        }
      }
    }
    return all.subList(Math.min(from, all.size()), Math.min(all.size(), from + limit));
  }

  OpenAiBatch cancel(OpenAiBatch batch) {
    if (batch.cancel()) {
      Mono.delay(properties.cancelling())
          .publishOn(Schedulers.boundedElastic())
          .subscribe(
              tick -> {
                writeFiles(batch);
                batch.moveTo("cancelled");
              });
    }
    return batch;
  }

  private Mono<Void> validateAndRun(OpenAiBatch batch, StoredFile input) {
    if (!batch.status().equals("validating")) {
      return Mono.empty();
    }
    List<Line> lines = new ArrayList<>();
    ObjectNode errors = json.createObjectNode().put("object", "list");
    var data = errors.putArray("data");
    Set<String> ids = new HashSet<>();
    String[] raw = new String(input.content(), StandardCharsets.UTF_8).split("\n");
    int number = 0;
    for (String text : raw) {
      number++;
      if (text.isBlank()) {
        continue;
      }
      String problem = null;
      String param = null;
      JsonNode line = null;
      try {
        line = json.readTree(text);
      } catch (JacksonException e) {
        problem = "invalid_json_line";
      }
      if (problem == null) {
        if (!line.path("custom_id").isString()) {
          problem = "missing_required_parameter";
          param = "custom_id";
        } else if (!ids.add(line.path("custom_id").stringValue())) {
          problem = "duplicate_custom_id";
          param = "custom_id";
        } else if (!"POST".equals(line.path("method").asString(""))) {
          problem = "invalid_method";
          param = "method";
        } else if (!batch.endpoint.equals(line.path("url").asString(""))) {
          problem = "mismatched_endpoint";
          param = "url";
        } else if (!line.path("body").isObject()) {
          problem = "missing_required_parameter";
          param = "body";
        }
      }
      if (problem != null) {
        data.addObject()
            .put("code", problem)
            .put("message", "Line " + number + ": " + problem.replace('_', ' ') + ".")
            .put("param", param)
            .put("line", number);
      } else {
        lines.add(new Line(lines.size(), line.path("custom_id").stringValue(), line.get("body")));
      }
    }
    if (lines.size() > MAX_LINES) {
      data.addObject()
          .put("code", "too_many_requests")
          .put("message", "A batch input file holds at most " + MAX_LINES + " requests.")
          .putNull("param")
          .putNull("line");
    }
    if (lines.isEmpty() && data.isEmpty()) {
      data.addObject()
          .put("code", "empty_file")
          .put("message", "The input file has no requests.")
          .putNull("param")
          .putNull("line");
    }
    if (batch.fault.kind() == BatchFault.Kind.FAIL) {
      data.addObject()
          .put("code", "simulated_failure")
          .put("message", "The batch failed (injected with " + BatchFault.HEADER + ").")
          .putNull("param")
          .putNull("line");
    }
    if (!data.isEmpty()) {
      batch.fail(errors);
      return Mono.empty();
    }
    batch.start(lines.size());
    Instant startedAt = Instant.now();
    if (batch.fault.kind() == BatchFault.Kind.EXPIRE) {
      return Mono.delay(properties.inProgress())
          .doOnNext(
              tick -> {
                for (Line line : lines) {
                  batch.errored(
                      outputLine(
                          line.customId,
                          null,
                          json.createObjectNode()
                              .put("code", "batch_expired")
                              .put(
                                  "message",
                                  "This request could not be executed before the completion"
                                      + " window expired.")));
                }
                writeFiles(batch);
                batch.moveTo("expired");
              })
          .then();
    }
    return Flux.fromIterable(lines)
        .flatMap(line -> answer(batch, line), properties.concurrency())
        .then(Mono.defer(() -> Mono.delay(remaining(startedAt, properties.inProgress()))))
        .flatMap(
            tick -> {
              if (!batch.status().equals("in_progress")) {
                return Mono.empty();
              }
              batch.moveTo("finalizing");
              return Mono.delay(properties.finalizing())
                  .doOnNext(
                      t -> {
                        writeFiles(batch);
                        batch.moveTo("completed");
                      });
            })
        .then();
  }

  private Mono<Void> answer(OpenAiBatch batch, Line line) {
    if (batch.fault.failsLine(line.index)) {
      ObjectNode body = json.createObjectNode();
      body.putObject("error")
          .put(
              "message", "The server had an error while processing your request. Sorry about that!")
          .put("type", "server_error")
          .putNull("param")
          .putNull("code");
      batch.errored(
          outputLine(line.customId, response(500, Wire.randomId("req_", 32), body), null));
      return Mono.empty();
    }
    return runner
        .run(batch.endpoint, batch.credentials, line.body.toString())
        .doOnNext(
            reply -> {
              JsonNode body;
              try {
                body = json.readTree(reply.body());
              } catch (JacksonException e) {
                body = json.createObjectNode();
              }
              ObjectNode response = response(reply.status(), reply.requestId(), body);
              if (reply.status() == 200) {
                batch.answered(outputLine(line.customId, response, null));
              } else {
                batch.errored(outputLine(line.customId, response, null));
              }
            })
        .then();
  }

  private ObjectNode response(int status, String requestId, JsonNode body) {
    ObjectNode response = json.createObjectNode();
    response.put("status_code", status);
    response.put("request_id", requestId);
    response.set("body", body);
    return response;
  }

  private String outputLine(String customId, ObjectNode response, ObjectNode error) {
    ObjectNode line = json.createObjectNode();
    line.put("id", Wire.randomId("batch_req_", 32));
    line.put("custom_id", customId);
    line.set("response", response);
    line.set("error", error);
    return line.toString();
  }

  private void writeFiles(OpenAiBatch batch) {
    List<String> output = batch.outputLines();
    List<String> errors = batch.errorLines();
    String outputId =
        output.isEmpty()
            ? null
            : files.save(batch.id + "_output.jsonl", "batch_output", joined(output)).id();
    String errorId =
        errors.isEmpty()
            ? null
            : files.save(batch.id + "_error.jsonl", "batch_output", joined(errors)).id();
    batch.files(outputId, errorId);
  }

  private static byte[] joined(List<String> lines) {
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      text.append(line).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  static Duration remaining(Instant since, Duration least) {
    Duration left = least.minus(Duration.between(since, Instant.now()));
    return left.isNegative() ? Duration.ZERO : left;
  }

  private static String requiredString(JsonNode request, String field) {
    JsonNode value = request.path(field);
    if (value.isMissingNode() || value.isNull()) {
      throw ApiError.invalid("Missing required parameter: '" + field + "'.", field);
    }
    if (!value.isString()) {
      throw ApiError.invalid("Invalid type for '" + field + "': expected a string.", field);
    }
    return value.stringValue();
  }

  private record Line(int index, String customId, JsonNode body) {}
}
