package dev.tokenwise.simulator.batch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** One OpenAI batch and where it stands; every method is synchronized on the batch. */
final class OpenAiBatch {

  final String id;
  final String endpoint;
  final String inputFileId;
  final JsonNode metadata;
  final HttpHeaders credentials;
  final BatchFault fault;
  final long createdAt;
  final long expiresAt;

  private String status = "validating";
  private final java.util.Map<String, Long> stamps = new java.util.HashMap<>();
  private int total;
  private int completed;
  private int failed;
  private String outputFileId;
  private String errorFileId;
  private ObjectNode errors;
  private final List<String> outputLines = new ArrayList<>();
  private final List<String> errorLines = new ArrayList<>();
  private Disposable running;

  OpenAiBatch(
      String id,
      String endpoint,
      String inputFileId,
      JsonNode metadata,
      HttpHeaders credentials,
      BatchFault fault,
      long windowSeconds) {
    this.id = id;
    this.endpoint = endpoint;
    this.inputFileId = inputFileId;
    this.metadata = metadata;
    this.credentials = credentials;
    this.fault = fault;
    this.createdAt = Instant.now().getEpochSecond();
    this.expiresAt = createdAt + windowSeconds;
  }

  synchronized String status() {
    return status;
  }

  /** Moves to {@code next} and stamps {@code <next>_at}. */
  synchronized void moveTo(String next) {
    status = next;
    stamps.put(next + "_at", Instant.now().getEpochSecond());
  }

  synchronized void start(int lines) {
    total = lines;
    moveTo("in_progress");
  }

  synchronized void fail(ObjectNode validationErrors) {
    errors = validationErrors;
    moveTo("failed");
  }

  synchronized void answered(String line) {
    outputLines.add(line);
    completed++;
  }

  synchronized void errored(String line) {
    errorLines.add(line);
    failed++;
  }

  synchronized List<String> outputLines() {
    return List.copyOf(outputLines);
  }

  synchronized List<String> errorLines() {
    return List.copyOf(errorLines);
  }

  synchronized void files(String output, String error) {
    outputFileId = output;
    errorFileId = error;
  }

  synchronized void running(Disposable work) {
    running = work;
  }

  /** Stops answering lines (a cancel); true when the batch could still be cancelled. */
  synchronized boolean cancel() {
    if (!status.equals("validating") && !status.equals("in_progress")) {
      return false;
    }
    if (running != null) {
      running.dispose();
    }
    moveTo("cancelling");
    return true;
  }

  /** The OpenAI {@code batch} object. */
  synchronized ObjectNode toJson() {
    ObjectNode batch = JsonNodeFactory.instance.objectNode();
    batch.put("id", id);
    batch.put("object", "batch");
    batch.put("endpoint", endpoint);
    batch.set("errors", errors);
    batch.put("input_file_id", inputFileId);
    batch.put("completion_window", "24h");
    batch.put("status", status);
    batch.put("output_file_id", outputFileId);
    batch.put("error_file_id", errorFileId);
    batch.put("created_at", createdAt);
    for (String stage :
        List.of(
            "in_progress",
            "finalizing",
            "completed",
            "failed",
            "expired",
            "cancelling",
            "cancelled")) {
      Long at = stamps.get(stage + "_at");
      if (at == null) {
        batch.putNull(stage + "_at");
      } else {
        batch.put(stage + "_at", at);
      }
    }
    batch.put("expires_at", expiresAt);
    batch
        .putObject("request_counts")
        .put("total", total)
        .put("completed", completed)
        .put("failed", failed);
    batch.set("metadata", metadata);
    return batch;
  }
}
