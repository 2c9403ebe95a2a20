package dev.tokenwise.batch.cache;

import dev.tokenwise.common.cache.CacheApi;
import dev.tokenwise.common.security.ServiceTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * cache-service's {@code /internal/cache/lookup} and {@code /internal/cache/store} (contract in
 * cache-service's README), called asynchronously so a pass can keep several in flight.
 *
 * <p>The {@code policy} is the one the router gave for the request's route, so keys match the
 * router's: {@code templateVersion}, {@code modelVersion} and {@code normalizeWhitespace} are part
 * of every exact key. Like the router, a store names the snapshot that answered ({@code
 * modelVersion} from the answer's {@code model}, unless the route fixed one) and a lookup the
 * snapshot that last answered for the model, once one has. Only exact hits are taken: a semantic
 * hit may come flagged for shadow evaluation, which a batch cannot perform, so lookups send {@code
 * semantic: false} (which the exact key does not depend on) and anything but {@code hit-exact} or
 * {@code miss} is a failure.
 */
@Component
class CacheServiceClient {

  /** What a store came to. */
  enum Stored {
    STORED,
    /** cache-service refused the answer (4xx: not cacheable, too large): never retried. */
    REFUSED
  }

  private final CacheProperties properties;
  private final JsonMapper json;
  private final HttpClient http;

  /** The snapshot each model last answered as; bounded, models come from clients. */
  private final Map<String, String> snapshots = new ConcurrentHashMap<>();

  private static final int MAX_MODELS = 1_000;

  private final ServiceTokens tokens;

  CacheServiceClient(CacheProperties properties, JsonMapper json, ServiceTokens tokens) {
    this.properties = properties;
    this.tokens = tokens;
    this.json = json;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(properties.timeout())
            .build();
  }

  /**
   * The stored OpenAI {@code chat.completion} for {@code request} in the namespace, or empty on a
   * miss; completes exceptionally when cache-service fails or answers late.
   */
  CompletableFuture<Optional<JsonNode>> lookup(
      String tenant, String route, String model, String request, String policy) {
    ObjectNode lookupPolicy = policy(policy);
    lookupPolicy.put("semantic", false);
    if (!lookupPolicy.hasNonNull("modelVersion") && snapshots.containsKey(model)) {
      lookupPolicy.put("modelVersion", snapshots.get(model));
    }
    CacheApi.Lookup body =
        new CacheApi.Lookup(tenant, route, model, json.readTree(request), null, lookupPolicy);
    return http.sendAsync(post(CacheApi.LOOKUP, tenant, body), HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new IllegalStateException("cache lookup answered " + response.statusCode());
              }
              CacheApi.LookupResult answer =
                  json.readValue(response.body(), CacheApi.LookupResult.class);
              String result = answer.result() == null ? "" : answer.result();
              if (result.equals(CacheApi.LookupResult.MISS)) {
                return Optional.empty();
              }
              if (result.equals(CacheApi.LookupResult.HIT_EXACT)
                  && answer.response() != null
                  && answer.response().isObject()) {
                return Optional.of(answer.response());
              }
              throw new IllegalStateException("unexpected cache lookup result '" + result + "'");
            });
  }

  /** Stores an OpenAI {@code chat.completion}; completes exceptionally on 5xx or no answer. */
  CompletableFuture<Stored> store(
      String tenant, String route, String model, String request, String policy, String response) {
    JsonNode completion = json.readTree(response);
    ObjectNode storePolicy = null;
    String snapshot = completion.path("model").asString("");
    if (!snapshot.isBlank() && snapshot.length() <= 200) {
      if (snapshots.size() < MAX_MODELS || snapshots.containsKey(model)) {
        snapshots.put(model, snapshot);
      }
      storePolicy = policy(policy);
      if (!storePolicy.hasNonNull("modelVersion")) {
        storePolicy.put("modelVersion", snapshot);
      }
    } else if (policy != null) {
      storePolicy = policy(policy);
    }
    CacheApi.Store body =
        new CacheApi.Store(
            tenant,
            route,
            model,
            json.readTree(request),
            null,
            storePolicy,
            completion,
            properties.ttl() == null ? null : properties.ttl().toString());
    return http.sendAsync(
            post(CacheApi.STORE, tenant, body), HttpResponse.BodyHandlers.discarding())
        .thenApply(
            answer -> {
              int status = answer.statusCode();
              if (status >= 200 && status < 300) {
                return Stored.STORED;
              }
              if (status >= 400 && status < 500) {
                return Stored.REFUSED;
              }
              throw new IllegalStateException("cache store answered " + status);
            });
  }

  /** A copy of the router's policy, or an empty one. */
  private ObjectNode policy(String policy) {
    return policy == null ? json.createObjectNode() : (ObjectNode) json.readTree(policy).deepCopy();
  }

  private HttpRequest post(String path, String tenant, Object body) {
    String base = properties.baseUrl().toString().replaceAll("/+$", "");
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(properties.timeout())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.CACHE, tenant))
        .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
        .build();
  }
}
