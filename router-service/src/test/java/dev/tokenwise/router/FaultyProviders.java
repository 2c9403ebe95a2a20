package dev.tokenwise.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A zero-latency stand-in for OpenAI ({@code /v1/chat/completions}, {@code /v1/embeddings}) and
 * Anthropic ({@code /v1/messages}), whole and streamed, with fault injection: when {@link
 * #faultEvery} is n > 0, every n-th provider call fails, cycling through 429 (with {@code
 * Retry-After: 0}), 500, 529, a hang past the router's first-byte timeout, and a connection closed
 * without an answer. Models whose name contains {@code broken} always answer 500, {@code hang}
 * never answer. An OpenAI question starting {@code long} is answered with every output token its
 * {@code max_completion_tokens} allows.
 */
final class FaultyProviders implements AutoCloseable {

  record Call(String path, String model, String apiKey, String body) {}

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpServer server;
  private final AtomicLong counter = new AtomicLong();
  final List<Call> calls = new CopyOnWriteArrayList<>();
  final AtomicLong faults = new AtomicLong();
  volatile int faultEvery;

  /** Past GatewayIT's first-byte timeout (5 s). */
  volatile long hangMillis = 6_000;

  FaultyProviders() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/v1/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void reset() {
    calls.clear();
    faults.set(0);
    counter.set(0);
    faultEvery = 0;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = exchange.getRequestURI().getPath();
    JsonNode request = json.readTree(body);
    String model = request.path("model").asString("");
    String key =
        path.startsWith("/v1/messages")
            ? exchange.getRequestHeaders().getFirst("x-api-key")
            : exchange.getRequestHeaders().getFirst("Authorization");
    calls.add(new Call(path, model, key, body));
    if (model.contains("hang")) {
      sleep(60_000);
      exchange.close();
      return;
    }
    if (model.contains("broken")) {
      respond(exchange, 500, "application/json", error(path, "server is broken"));
      return;
    }
    int every = faultEvery;
    long n = counter.incrementAndGet();
    if (every > 0 && n % every == 0) {
      faults.incrementAndGet();
      switch ((int) ((n / every) % 5)) {
        case 0 -> {
          exchange.getResponseHeaders().set("Retry-After", "0");
          respond(exchange, 429, "application/json", error(path, "rate limited"));
        }
        case 1 -> respond(exchange, 500, "application/json", error(path, "internal error"));
        case 2 -> respond(exchange, 529, "application/json", error(path, "overloaded"));
        case 3 -> {
          sleep(hangMillis);
          exchange.close();
        }
        default -> exchange.close();
      }
      return;
    }
    boolean stream = request.path("stream").asBoolean(false);
    if (path.equals("/v1/embeddings")) {
      respond(
          exchange,
          200,
          "application/json",
          """
          {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],\
          "model":"%s","usage":{"prompt_tokens":4,"total_tokens":4}}"""
              .formatted(model));
    } else if (path.equals("/v1/messages") && request.path("tools").isArray() && !stream) {
      respond(
          exchange,
          200,
          "application/json",
          """
          {"id":"msg_2","type":"message","role":"assistant","model":"%s",\
          "content":[{"type":"tool_use","id":"toolu_1","name":"%s","input":{"city":"Lisbon"}}],\
          "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":7}}"""
              .formatted(model, request.path("tools").path(0).path("name").asString()));
    } else if (request.path("tools").isArray() && !stream) {
      respond(
          exchange,
          200,
          "application/json",
          """
          {"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"%s",\
          "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[\
          {"id":"call_1","type":"function","function":{"name":"%s","arguments":"{\\"city\\":\\"Lisbon\\"}"}}]},\
          "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}"""
              .formatted(
                  model, request.path("tools").path(0).path("function").path("name").asString()));
    } else if (path.equals("/v1/messages")) {
      if (stream) {
        respond(exchange, 200, "text/event-stream", anthropicStream(model));
      } else {
        respond(
            exchange,
            200,
            "application/json",
            """
            {"id":"msg_1","type":"message","role":"assistant","model":"%s",\
            "content":[{"type":"text","text":"Hello from anthropic."}],"stop_reason":"end_turn",\
            "stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":20,\
            "cache_creation_input_tokens":0,"output_tokens":5}}"""
                .formatted(model));
      }
    } else if (stream) {
      respond(
          exchange,
          200,
          "text/event-stream",
          openAiStream(model, request.path("stream_options").path("include_usage").asBoolean()));
    } else {
      // a question starting "long" is answered at full length: every output token allowed
      long output =
          request.path("messages").path(0).path("content").asString("").startsWith("long")
              ? request.path("max_completion_tokens").asLong(5)
              : 5;
      respond(
          exchange,
          200,
          "application/json",
          """
          {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"%s",\
          "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from openai."},\
          "finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":%d,\
          "total_tokens":%d,"prompt_tokens_details":{"cached_tokens":20}}}"""
              .formatted(model, output, 30 + output));
    }
  }

  private static String anthropicStream(String model) {
    return """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"%s","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":20,"cache_creation_input_tokens":0,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type":"ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" from anthropic."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}

        event: message_stop
        data: {"type":"message_stop"}

        """
        .formatted(model);
  }

  private static String openAiStream(String model, boolean usage) {
    String head =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\""
            + model
            + "\",";
    StringBuilder out = new StringBuilder();
    out.append("data: ")
        .append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},")
        .append("\"finish_reason\":null}]}\n\n");
    out.append("data: ")
        .append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},")
        .append("\"finish_reason\":null}]}\n\n");
    out.append("data: ")
        .append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\" from openai.\"},")
        .append("\"finish_reason\":null}]}\n\n");
    out.append("data: ")
        .append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    if (usage) {
      out.append("data: ")
          .append(head)
          .append("\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":5,")
          .append("\"total_tokens\":35,\"prompt_tokens_details\":{\"cached_tokens\":20}}}\n\n");
    }
    out.append("data: [DONE]\n\n");
    return out.toString();
  }

  private static String error(String path, String message) {
    return path.startsWith("/v1/messages")
        ? "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"" + message + "\"}}"
        : "{\"error\":{\"message\":\""
            + message
            + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
