package dev.tokenwise.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A tiny HTTP server standing in for an OpenAI-compatible provider and for cache-service, recording
 * what the router sent. Behaviour is chosen by the request: a user message of {@code "cached
 * question"} is an exact cache hit, {@link #SEMANTIC_QUESTION} a semantic one sampled for a shadow
 * check, a {@code Cache-Control} the client sent is a bypass, the model {@code gpt-limited} gets a
 * provider 429, {@code gpt-broken} a hang-up, {@code gpt-endless} one chunk and then silence, and
 * {@code gpt-no-usage} a stream without its usage chunk.
 */
final class StubUpstream implements AutoCloseable {

  static final String CACHED_QUESTION = "cached question";

  /** A question cache-service answers with {@code hit-semantic}, sampled for a shadow check. */
  static final String SEMANTIC_QUESTION = "what is the capital of france, please?";

  /** How cache-service behaves: answering, failing with 500, or too slow for the router. */
  enum CacheMode {
    UP,
    FAILING,
    SLOW
  }

  /** One request received; {@code traceparent} is the W3C header the router sent, if any. */
  record Call(String path, String authorization, String body, String traceparent) {

    Call(String path, String authorization, String body) {
      this(path, authorization, body, null);
    }
  }

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpServer server;
  private final CountDownLatch never = new CountDownLatch(1);
  final List<Call> providerCalls = new CopyOnWriteArrayList<>();
  final List<Call> cacheLookups = new CopyOnWriteArrayList<>();
  final List<Call> cacheStores = new CopyOnWriteArrayList<>();
  final List<Call> shadowReports = new CopyOnWriteArrayList<>();
  final List<Call> feedbacks = new CopyOnWriteArrayList<>();
  volatile CacheMode cacheMode = CacheMode.UP;

  StubUpstream() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/v1/chat/completions", this::provider);
    server.createContext("/internal/cache/lookup", this::lookup);
    server.createContext("/internal/cache/store", this::store);
    server.createContext("/internal/cache/shadow", this::shadow);
    server.createContext("/api/feedback", this::feedback);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void reset() {
    providerCalls.clear();
    cacheLookups.clear();
    cacheStores.clear();
    shadowReports.clear();
    feedbacks.clear();
    cacheMode = CacheMode.UP;
  }

  private void provider(HttpExchange exchange) throws IOException {
    String body = read(exchange);
    providerCalls.add(
        new Call(
            exchange.getRequestURI().getPath(),
            exchange.getRequestHeaders().getFirst("Authorization"),
            body,
            exchange.getRequestHeaders().getFirst("traceparent")));
    JsonNode request = json.readTree(body);
    if ("gpt-limited".equals(request.path("model").asString())) {
      respond(
          exchange,
          429,
          """
          {"error":{"message":"Rate limit reached for requests","type":"requests",\
          "param":null,"code":"rate_limit_exceeded"}}""");
      return;
    }
    if ("gpt-broken".equals(request.path("model").asString())) {
      // Hang up without an answer, as a crashed upstream would.
      exchange.close();
      return;
    }
    if ("gpt-endless".equals(request.path("model").asString())) {
      endless(exchange);
      return;
    }
    if (request.path("stream").asBoolean(false)) {
      stream(exchange, request);
      return;
    }
    respond(
        exchange,
        200,
        """
        {"id":"chatcmpl-stub","object":"chat.completion","created":1764200000,\
        "model":"%s-2025-08-07","choices":[{"index":0,"message":{"role":"assistant",\
        "content":"Hello from the provider."},"finish_reason":"stop","logprobs":null}],\
        "usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25,\
        "prompt_tokens_details":{"cached_tokens":8},\
        "completion_tokens_details":{"reasoning_tokens":2}}}"""
            .formatted(request.path("model").asString()));
  }

  private static void stream(HttpExchange exchange, JsonNode request) throws IOException {
    String head =
        "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1764200000,"
            + "\"model\":\"gpt-5-mini-2025-08-07\",";
    StringBuilder sse = new StringBuilder();
    sse.append("data: ")
        .append(head)
        .append(
            "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
                + "\"finish_reason\":null}]}\n\n");
    sse.append("data: ")
        .append(head)
        .append(
            "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n");
    sse.append("data: ")
        .append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    if (request.path("stream_options").path("include_usage").asBoolean(false)
        && !"gpt-no-usage".equals(request.path("model").asString())) {
      sse.append("data: ")
          .append(head)
          .append(
              "\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":2,"
                  + "\"total_tokens\":32}}\n\n");
    }
    sse.append("data: [DONE]\n\n");
    byte[] bytes = sse.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** One chunk, then nothing until the router hangs up (or the stub stops). */
  private void endless(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    var out = exchange.getResponseBody();
    out.write(
        ("data: {\"id\":\"chatcmpl-e\",\"object\":\"chat.completion.chunk\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"Once upon a time\"},"
                + "\"finish_reason\":null}]}\n\n")
            .getBytes(StandardCharsets.UTF_8));
    out.flush();
    try {
      never.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    exchange.close();
  }

  private void lookup(HttpExchange exchange) throws IOException {
    String body = read(exchange);
    cacheLookups.add(
        new Call(
            exchange.getRequestURI().getPath(),
            null,
            body,
            exchange.getRequestHeaders().getFirst("traceparent")));
    switch (cacheMode) {
      case FAILING -> {
        respond(exchange, 500, "{\"type\":\"about:blank\",\"status\":500}");
        return;
      }
      case SLOW -> {
        try {
          // Held past the router's lookup timeout; released when the server stops.
          never.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        respond(exchange, 200, "{\"result\":\"miss\"}");
        return;
      }
      case UP -> {}
    }
    JsonNode lookup = json.readTree(body);
    String cacheControl = lookup.path("cacheControl").asString("");
    if (cacheControl.contains("no-store") || cacheControl.contains("no-cache")) {
      respond(
          exchange,
          200,
          cacheControl.contains("no-store")
              ? "{\"result\":\"bypass\",\"store\":false}"
              : "{\"result\":\"bypass\"}");
      return;
    }
    String question = lookup.path("request").path("messages").path(0).path("content").asString();
    if (SEMANTIC_QUESTION.equals(question)) {
      respond(
          exchange,
          200,
          """
          {"result":"hit-semantic","entryId":"0123456789abcdef0123456789abcdef",\
          "storedAt":"2026-11-27T00:00:00Z","similarity":0.97,"shadow":true,\
          "response":{"id":"chatcmpl-paris","object":"chat.completion","created":1764100000,\
          "model":"gpt-5-mini-2025-08-07","choices":[{"index":0,"message":{"role":"assistant",\
          "content":"The capital of France is Paris."},"finish_reason":"stop"}],\
          "usage":{"prompt_tokens":14,"completion_tokens":7,"total_tokens":21}}}""");
      return;
    }
    if (CACHED_QUESTION.equals(question)) {
      respond(
          exchange,
          200,
          """
          {"result":"hit-exact","entryId":"abc","storedAt":"2026-11-27T00:00:00Z",\
          "response":{"id":"chatcmpl-cached","object":"chat.completion","created":1764100000,\
          "model":"gpt-5-mini-2025-08-07","choices":[{"index":0,"message":{"role":"assistant",\
          "content":"Hello from the cache."},"finish_reason":"stop"}],\
          "usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}}""");
    } else {
      respond(exchange, 200, "{\"result\":\"miss\"}");
    }
  }

  private void store(HttpExchange exchange) throws IOException {
    cacheStores.add(new Call(exchange.getRequestURI().getPath(), null, read(exchange)));
    respond(exchange, 201, "{\"entryId\":\"abc\"}");
  }

  private void shadow(HttpExchange exchange) throws IOException {
    shadowReports.add(new Call(exchange.getRequestURI().getPath(), null, read(exchange)));
    respond(exchange, 202, "{\"falseHitEstimate\":0.0}");
  }

  /** cost-service's feedback endpoint: every verdict is recorded. */
  private void feedback(HttpExchange exchange) throws IOException {
    String body = read(exchange);
    feedbacks.add(new Call(exchange.getRequestURI().getPath(), null, body));
    String id = json.readTree(body).path("requestId").asString();
    respond(exchange, 200, "{\"requestId\":\"" + id + "\",\"status\":\"recorded\"}");
  }

  private static String read(HttpExchange exchange) throws IOException {
    return new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    never.countDown();
    server.stop(0);
  }
}
