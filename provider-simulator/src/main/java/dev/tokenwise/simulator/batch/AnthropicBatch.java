package dev.tokenwise.simulator.batch;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** One Anthropic message batch and where it stands; every method is synchronized on the batch. */
final class AnthropicBatch {

  /** One request of the batch. */
  record Request(int index, String customId, JsonNode params) {}

  final String id;
  final List<Request> requests;
  final HttpHeaders credentials;
  final BatchFault fault;
  final Instant createdAt;
  final Instant expiresAt;

  private String status = "in_progress";
  private Instant endedAt;
  private Instant cancelInitiatedAt;
  private int succeeded;
  private int errored;
  private int canceled;
  private int expired;
  private final Set<String> finished = new HashSet<>();
  private final List<String> results = new ArrayList<>();
  private Disposable running;

  AnthropicBatch(
      String id,
      List<Request> requests,
      HttpHeaders credentials,
      BatchFault fault,
      java.time.Duration window) {
    this.id = id;
    this.requests = requests;
    this.credentials = credentials;
    this.fault = fault;
    this.createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    this.expiresAt = createdAt.plus(window);
  }

  synchronized String status() {
    return status;
  }

  /** Records one result line ({@code type} is succeeded, errored, canceled or expired). */
  synchronized void result(String customId, String type, ObjectNode line) {
    if (!finished.add(customId)) {
      return;
    }
    switch (type) {
      case "succeeded" -> succeeded++;
      case "errored" -> errored++;
      case "canceled" -> canceled++;
      default -> expired++;
    }
    results.add(line.toString());
  }

  synchronized boolean finished(String customId) {
    return finished.contains(customId);
  }

  synchronized void end() {
    status = "ended";
    endedAt = Instant.now();
  }

  synchronized void running(Disposable work) {
    running = work;
  }

  synchronized boolean cancel() {
    if (!status.equals("in_progress")) {
      return false;
    }
    if (running != null) {
      running.dispose();
    }
    status = "canceling";
    cancelInitiatedAt = Instant.now();
    return true;
  }

  synchronized List<String> results() {
    return List.copyOf(results);
  }

  /** The {@code message_batch} object; {@code resultsUrl} is set once the batch has ended. */
  synchronized ObjectNode toJson(String baseUrl) {
    ObjectNode batch = JsonNodeFactory.instance.objectNode();
    batch.put("id", id);
    batch.put("type", "message_batch");
    batch.put("processing_status", status);
    batch
        .putObject("request_counts")
        .put("processing", requests.size() - finished.size())
        .put("succeeded", succeeded)
        .put("errored", errored)
        .put("canceled", canceled)
        .put("expired", expired);
    batch.put("ended_at", endedAt == null ? null : endedAt.toString());
    batch.put("created_at", createdAt.toString());
    batch.put("expires_at", expiresAt.toString());
    batch.putNull("archived_at");
    batch.put(
        "cancel_initiated_at", cancelInitiatedAt == null ? null : cancelInitiatedAt.toString());
    batch.put(
        "results_url",
        endedAt == null ? null : baseUrl + "/v1/messages/batches/" + id + "/results");
    return batch;
  }
}
