package dev.tokenwise.router.route;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.router.outputcap.OutputCaps;
import dev.tokenwise.router.outputcap.StructuredOutput;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.routing.PromptSignals;
import dev.tokenwise.router.routing.TierChooser;
import dev.tokenwise.router.routing.WarmPrefixes;
import dev.tokenwise.router.tenant.Tenant;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides how one chat request is served: its route, tier (with cache-aware routing), output cap,
 * schema and prompt-cache shaping, and whether it is deferred to batch-service. Works on a copy of
 * the client's request; the copy is what goes to the provider.
 */
@Component
public class RoutePlanner {

  private final RouteResolver resolver;
  private final TierChooser tiers;
  private final WarmPrefixes warm;
  private final PromptCacheShaper promptCache;
  private final JsonMapper json;

  public RoutePlanner(
      RouteResolver resolver,
      TierChooser tiers,
      WarmPrefixes warm,
      PromptCacheShaper promptCache,
      JsonMapper json) {
    this.resolver = resolver;
    this.tiers = tiers;
    this.warm = warm;
    this.promptCache = promptCache;
    this.json = json;
  }

  public Mono<RoutePlan> plan(Tenant tenant, HttpHeaders headers, ObjectNode clientRequest) {
    String clientModel = clientRequest.path("model").asString("");
    Route route;
    try {
      route = resolver.resolve(tenant, headers.getFirst(RouteResolver.HEADER), clientModel);
    } catch (RuntimeException e) {
      return Mono.error(e);
    }
    ObjectNode request = clientRequest.deepCopy();
    boolean deferred =
        "deferred".equalsIgnoreCase(headers.getFirst(RoutePlan.MODE_HEADER))
            || route.definition().mode() == RouteProperties.Mode.DEFERRED;
    return promptCache
        .shape(tenant.id(), route, request)
        .flatMap(
            shaping ->
                tiers
                    .choose(route, clientModel, request)
                    .flatMap(
                        choice -> {
                          String conversation = conversation(request);
                          if (conversation == null) {
                            return Mono.just(choice);
                          }
                          return warm.adjust(
                              choice,
                              route.tiers(),
                              tenant.id(),
                              route.name(),
                              conversation,
                              prefixTokens(choice.model(), request),
                              inputTokens(choice.model(), request),
                              route.definition().promptCache().warmWindow());
                        })
                    .map(
                        choice -> {
                          request.put("model", choice.model());
                          OutputCaps.Applied cap =
                              OutputCaps.apply(
                                  request, route.definition().output(), choice.model());
                          boolean schema =
                              StructuredOutput.inject(
                                  request,
                                  route.definition().jsonSchema(),
                                  route.definition().jsonSchemaName(),
                                  json);
                          return new RoutePlan(
                              route,
                              choice,
                              route.referenceModel(clientModel),
                              request,
                              cap,
                              schema,
                              shaping,
                              deferred);
                        }));
  }

  /** A conversation is its system prompt and first user turn; null for a single-turn request. */
  static String conversation(JsonNode request) {
    StringBuilder identity = new StringBuilder();
    int users = 0;
    for (JsonNode message : request.path("messages")) {
      String role = message.path("role").asString("");
      if (role.equals("user")) {
        users++;
        if (users == 1) {
          identity.append('\u0000').append(message.path("content").toString());
        }
      } else if (role.equals("system") || role.equals("developer")) {
        identity.append('\u0000').append(message.path("content").toString());
      }
    }
    if (users < 2) {
      return null;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(identity.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Tokens of every message before the latest user turn: what a warm cache would serve. */
  static long prefixTokens(String model, JsonNode request) {
    JsonNode messages = request.path("messages");
    int lastUser = -1;
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).path("role").asString("").equals("user")) {
        lastUser = i;
        break;
      }
    }
    long tokens = 0;
    for (int i = 0; i < lastUser; i++) {
      tokens +=
          TokenEstimator.shared()
              .countText(model, PromptSignals.text(messages.get(i).path("content")));
    }
    return tokens;
  }

  static long inputTokens(String model, JsonNode request) {
    long tokens = 0;
    for (JsonNode message : request.path("messages")) {
      tokens +=
          TokenEstimator.shared().countText(model, PromptSignals.text(message.path("content")));
    }
    return tokens;
  }
}
