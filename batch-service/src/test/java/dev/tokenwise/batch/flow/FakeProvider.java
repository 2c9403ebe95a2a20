package dev.tokenwise.batch.flow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small in-process OpenAI and Anthropic batch API for batch-service tests (the provider simulator
 * is a service module and may not be a dependency): batches end as soon as they are created, every
 * line answered by {@link #lineOutcome}. Also receives webhooks at {@code /hooks}.
 */
final class FakeProvider implements AutoCloseable {

  /** What happens to one line: answered, or which error it gets. */
  enum LineOutcome {
    ANSWER,
    EXPIRE,
    SERVER_ERROR,
    BAD_REQUEST
  }

  /** A received webhook delivery. */
  record Hook(Map<String, String> headers, String body) {}

  private final JsonMapper json = JsonMapper.shared();
  private final HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, ObjectNode> openAiBatches =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, ObjectNode> anthropicBatches =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, String> anthropicResults = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  final List<List<String>> openAiBatchLines = new CopyOnWriteArrayList<>();
  final List<List<String>> anthropicBatchLines = new CopyOnWriteArrayList<>();
  final AtomicInteger uploads = new AtomicInteger();
  final AtomicInteger syncCalls = new AtomicInteger();
  final List<Hook> hooks = new CopyOnWriteArrayList<>();
  volatile int hookStatus = 200;
  volatile boolean refuseOpenAiBatches;
  volatile Function<JsonNode, LineOutcome> lineOutcome = body -> LineOutcome.ANSWER;

  /**
   * When set, result downloads send half their bytes, count this down, and hold the rest until
   * {@link #releaseDownloads()}: a client killed meanwhile dies in the middle of a download.
   */
  volatile CountDownLatch downloadStalled;

  private volatile CountDownLatch downloadRelease = new CountDownLatch(1);

  FakeProvider() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void reset() {
    files.clear();
    openAiBatches.clear();
    anthropicBatches.clear();
    anthropicResults.clear();
    openAiBatchLines.clear();
    anthropicBatchLines.clear();
    uploads.set(0);
    syncCalls.set(0);
    hooks.clear();
    hookStatus = 200;
    refuseOpenAiBatches = false;
    lineOutcome = body -> LineOutcome.ANSWER;
    releaseDownloads();
  }

  /** Stalls every following result download halfway; returns the latch counted down when one is. */
  CountDownLatch stallDownloads() {
    downloadRelease = new CountDownLatch(1);
    downloadStalled = new CountDownLatch(1);
    return downloadStalled;
  }

  /** Lets stalled downloads finish and the following ones run whole. */
  void releaseDownloads() {
    downloadStalled = null;
    downloadRelease.countDown();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (path.equals("/hooks")) {
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
        hooks.add(new Hook(headers, new String(body, StandardCharsets.UTF_8)));
        send(exchange, hookStatus, "{}");
      } else if (method.equals("POST") && path.equals("/v1/files")) {
        uploads.incrementAndGet();
        String id = "file-" + ids.incrementAndGet();
        files.put(id, filePart(exchange, body));
        send(exchange, 200, json.createObjectNode().put("id", id).put("object", "file").toString());
      } else if (method.equals("POST") && path.equals("/v1/batches") && refuseOpenAiBatches) {
        send(exchange, 500, "{\"error\":{\"message\":\"unavailable\"}}");
      } else if (method.equals("POST") && path.equals("/v1/batches")) {
        send(exchange, 200, createOpenAiBatch(json.readTree(body)).toString());
      } else if (method.equals("GET") && path.equals("/v1/batches")) {
        send(exchange, 200, list(openAiBatches, "object", "list").toString());
      } else if (method.equals("GET") && path.startsWith("/v1/batches/")) {
        send(exchange, 200, openAiBatches.get(path.substring("/v1/batches/".length())).toString());
      } else if (method.equals("GET")
          && path.startsWith("/v1/files/")
          && path.endsWith("/content")) {
        String id = path.substring("/v1/files/".length(), path.length() - "/content".length());
        download(exchange, files.get(id));
      } else if (method.equals("POST") && path.equals("/v1/chat/completions")) {
        syncCalls.incrementAndGet();
        send(exchange, 200, chatCompletion(json.readTree(body)).toString());
      } else if (method.equals("POST") && path.equals("/v1/messages")) {
        syncCalls.incrementAndGet();
        send(exchange, 200, message(json.readTree(body)).toString());
      } else if (method.equals("POST") && path.equals("/v1/messages/batches")) {
        send(exchange, 200, createAnthropicBatch(json.readTree(body)).toString());
      } else if (method.equals("GET") && path.equals("/v1/messages/batches")) {
        send(exchange, 200, list(anthropicBatches, null, null).toString());
      } else if (method.equals("GET") && path.endsWith("/results")) {
        String id =
            path.substring("/v1/messages/batches/".length(), path.length() - "/results".length());
        download(exchange, anthropicResults.get(id).getBytes(StandardCharsets.UTF_8));
      } else if (method.equals("GET") && path.startsWith("/v1/messages/batches/")) {
        send(
            exchange,
            200,
            anthropicBatches.get(path.substring("/v1/messages/batches/".length())).toString());
      } else {
        send(exchange, 404, "{\"error\":{\"message\":\"no route " + method + " " + path + "\"}}");
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      throw e;
    }
  }

  /** The bytes of the multipart part named {@code file}. */
  private static byte[] filePart(HttpExchange exchange, byte[] body) {
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    String boundary = "--" + type.substring(type.indexOf("boundary=") + 9).replace("\"", "");
    String text = new String(body, StandardCharsets.UTF_8);
    for (String part : text.split(java.util.regex.Pattern.quote(boundary))) {
      if (part.contains("name=\"file\"")) {
        String content = part.substring(part.indexOf("\r\n\r\n") + 4);
        return content.substring(0, content.length() - 2).getBytes(StandardCharsets.UTF_8);
      }
    }
    throw new IllegalStateException("no file part");
  }

  private ObjectNode createOpenAiBatch(JsonNode request) {
    String id = "batch_" + ids.incrementAndGet();
    String input =
        new String(files.get(request.path("input_file_id").asString()), StandardCharsets.UTF_8);
    List<String> customIds = new ArrayList<>();
    StringBuilder output = new StringBuilder();
    StringBuilder errors = new StringBuilder();
    for (String text : input.split("\n")) {
      if (text.isBlank()) {
        continue;
      }
      JsonNode line = json.readTree(text);
      String customId = line.path("custom_id").asString();
      customIds.add(customId);
      ObjectNode out =
          json.createObjectNode()
              .put("id", "req_" + ids.incrementAndGet())
              .put("custom_id", customId);
      switch (lineOutcome.apply(line.path("body"))) {
        case ANSWER -> {
          out.putObject("response")
              .put("status_code", 200)
              .put("request_id", "r")
              .set("body", chatCompletion(line.path("body")));
          out.putNull("error");
          output.append(out).append('\n');
        }
        case EXPIRE -> {
          out.putNull("response");
          out.putObject("error").put("code", "batch_expired").put("message", "expired");
          errors.append(out).append('\n');
        }
        case SERVER_ERROR, BAD_REQUEST -> {
          boolean server = lineOutcome.apply(line.path("body")) == LineOutcome.SERVER_ERROR;
          ObjectNode response =
              out.putObject("response")
                  .put("status_code", server ? 500 : 400)
                  .put("request_id", "r");
          response
              .putObject("body")
              .putObject("error")
              .put("message", server ? "server error" : "bad request");
          out.putNull("error");
          errors.append(out).append('\n');
        }
      }
    }
    openAiBatchLines.add(customIds);
    String outputId = "file-" + ids.incrementAndGet();
    String errorId = "file-" + ids.incrementAndGet();
    files.put(outputId, output.toString().getBytes(StandardCharsets.UTF_8));
    files.put(errorId, errors.toString().getBytes(StandardCharsets.UTF_8));
    ObjectNode batch = json.createObjectNode();
    batch.put("id", id);
    batch.put("object", "batch");
    batch.put("status", "completed");
    batch.put("created_at", Instant.now().getEpochSecond());
    batch.put("output_file_id", output.isEmpty() ? null : outputId);
    batch.put("error_file_id", errors.isEmpty() ? null : errorId);
    batch.set("metadata", request.path("metadata"));
    openAiBatches.put(id, batch);
    return batch;
  }

  private ObjectNode createAnthropicBatch(JsonNode request) {
    String id = "msgbatch_" + ids.incrementAndGet();
    List<String> customIds = new ArrayList<>();
    StringBuilder results = new StringBuilder();
    int succeeded = 0;
    int errored = 0;
    int expired = 0;
    for (JsonNode r : request.path("requests")) {
      String customId = r.path("custom_id").asString();
      customIds.add(customId);
      ObjectNode line = json.createObjectNode().put("custom_id", customId);
      ObjectNode result = line.putObject("result");
      switch (lineOutcome.apply(r.path("params"))) {
        case ANSWER -> {
          result.put("type", "succeeded").set("message", message(r.path("params")));
          succeeded++;
        }
        case EXPIRE -> {
          result.put("type", "expired");
          expired++;
        }
        case SERVER_ERROR -> {
          result
              .put("type", "errored")
              .putObject("error")
              .put("type", "error")
              .putObject("error")
              .put("type", "api_error")
              .put("message", "server error");
          errored++;
        }
        case BAD_REQUEST -> {
          result
              .put("type", "errored")
              .putObject("error")
              .put("type", "error")
              .putObject("error")
              .put("type", "invalid_request_error")
              .put("message", "bad request");
          errored++;
        }
      }
      results.append(line).append('\n');
    }
    anthropicBatchLines.add(customIds);
    anthropicResults.put(id, results.toString());
    ObjectNode batch = json.createObjectNode();
    batch.put("id", id);
    batch.put("type", "message_batch");
    batch.put("processing_status", "ended");
    batch.put("created_at", Instant.now().toString());
    batch
        .putObject("request_counts")
        .put("processing", 0)
        .put("succeeded", succeeded)
        .put("errored", errored)
        .put("canceled", 0)
        .put("expired", expired);
    anthropicBatches.put(id, batch);
    return batch;
  }

  private ObjectNode list(Map<String, ObjectNode> batches, String key, String value) {
    ObjectNode list = json.createObjectNode();
    if (key != null) {
      list.put(key, value);
    }
    ArrayNode data = list.putArray("data");
    List<ObjectNode> all;
    synchronized (batches) {
      all = new ArrayList<>(batches.values());
    }
    Collections.reverse(all);
    all.forEach(data::add);
    list.put("has_more", false);
    return list;
  }

  private ObjectNode chatCompletion(JsonNode body) {
    ObjectNode completion = json.createObjectNode();
    completion.put("id", "chatcmpl-" + ids.incrementAndGet());
    completion.put("object", "chat.completion");
    completion.put("created", Instant.now().getEpochSecond());
    completion.put("model", body.path("model").asString() + "-2025-08-07");
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    choice
        .putObject("message")
        .put("role", "assistant")
        .put("content", "Answer to: " + lastUser(body));
    choice.put("finish_reason", "stop");
    ObjectNode usage = completion.putObject("usage");
    usage.put("prompt_tokens", 20).put("completion_tokens", 5).put("total_tokens", 25);
    usage.putObject("prompt_tokens_details").put("cached_tokens", 4);
    return completion;
  }

  private ObjectNode message(JsonNode params) {
    ObjectNode message = json.createObjectNode();
    message.put("id", "msg_" + ids.incrementAndGet());
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", params.path("model").asString() + "-20250929");
    message
        .putArray("content")
        .addObject()
        .put("type", "text")
        .put("text", "Answer to: " + lastUser(params));
    message.put("stop_reason", "end_turn");
    message.putNull("stop_sequence");
    message
        .putObject("usage")
        .put("input_tokens", 7)
        .put("cache_read_input_tokens", 3)
        .put("cache_creation_input_tokens", 2)
        .put("output_tokens", 5);
    return message;
  }

  private static String lastUser(JsonNode body) {
    JsonNode messages = body.path("messages");
    JsonNode content = messages.get(messages.size() - 1).path("content");
    if (content.isString()) {
      return content.asString();
    }
    return content.get(0).path("text").asString();
  }

  private void download(HttpExchange exchange, byte[] bytes) throws IOException {
    CountDownLatch stalled = downloadStalled;
    if (stalled == null) {
      send(exchange, 200, new String(bytes, StandardCharsets.UTF_8));
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(200, bytes.length);
    OutputStream out = exchange.getResponseBody();
    out.write(bytes, 0, bytes.length / 2);
    out.flush();
    stalled.countDown();
    try {
      downloadRelease.await(5, TimeUnit.MINUTES);
      out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
      out.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client died mid-download, as the test meant it to
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
