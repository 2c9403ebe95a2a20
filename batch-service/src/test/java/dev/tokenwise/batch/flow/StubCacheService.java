package dev.tokenwise.batch.flow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for cache-service's internal API over real HTTP: answers {@code
 * /internal/cache/lookup} from what was stored (keyed on tenant, route, model and the request's
 * messages), records every call, and can be made to fail ({@link Mode}).
 */
final class StubCacheService implements AutoCloseable {

  /** How the stub answers. */
  enum Mode {
    UP,
    /** 503 problem on every call. */
    FAILING,
    /** Holds every call until {@link #release()}. */
    HANGING
  }

  private final JsonMapper json = JsonMapper.shared();
  private final HttpServer server;
  private final Map<String, JsonNode> entries = new ConcurrentHashMap<>();
  final List<JsonNode> lookups = new CopyOnWriteArrayList<>();
  final List<JsonNode> stores = new CopyOnWriteArrayList<>();
  volatile Mode mode = Mode.UP;
  private volatile CountDownLatch hold = new CountDownLatch(1);

  StubCacheService() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.createContext("/internal/cache/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Puts an answer in the cache, as an earlier synchronous request would have. */
  void put(String tenant, String route, String model, JsonNode request, JsonNode response) {
    entries.put(key(tenant, route, model, request), response);
  }

  void reset() {
    release();
    hold = new CountDownLatch(1);
    mode = Mode.UP;
    entries.clear();
    lookups.clear();
    stores.clear();
  }

  void release() {
    hold.countDown();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }

  private static String key(String tenant, String route, String model, JsonNode request) {
    return tenant + '\n' + route + '\n' + model + '\n' + request.path("messages");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode body = json.readTree(exchange.getRequestBody().readAllBytes());
      String path = exchange.getRequestURI().getPath();
      if (mode == Mode.HANGING) {
        try {
          hold.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (mode != Mode.UP) {
        send(exchange, 503, "{\"type\":\"https://tokenwise.dev/problems/cache-unavailable\"}");
        return;
      }
      String key =
          key(
              body.path("tenant").asString(),
              body.path("route").asString(),
              body.path("model").asString(),
              body.path("request"));
      if (path.endsWith("/lookup")) {
        lookups.add(body);
        JsonNode hit = entries.get(key);
        send(
            exchange,
            200,
            hit == null
                ? "{\"result\":\"miss\"}"
                : json.createObjectNode()
                    .put("result", "hit-exact")
                    .put("entryId", "e1")
                    .put("storedAt", "2026-11-27T00:00:00Z")
                    .set("response", hit)
                    .toString());
      } else if (path.endsWith("/store")) {
        stores.add(body);
        entries.put(key, body.path("response"));
        send(exchange, 201, "{\"entryId\":\"e2\"}");
      } else {
        send(exchange, 404, "{}");
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
