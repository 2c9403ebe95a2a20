package dev.tokenwise.router.models;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.provider.ProviderProperties;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Lists the models a client may name: Tokenwise's route aliases, then each provider's configured
 * models. OpenAI's list shape, or Anthropic's when the client sends {@code anthropic-version} (as
 * Anthropic's SDKs do).
 */
@Configuration(proxyBeanMethods = false)
class ModelsRoutes {

  /** Names that select a route rather than a model. */
  static final List<String> ALIASES =
      List.of("tokenwise/auto", "tokenwise/fast", "tokenwise/smart");

  @Bean
  RouterFunction<ServerResponse> modelsRoute(
      VirtualKeyAuthenticator authenticator, ProviderProperties providers) {
    return route(
        GET("/v1/models"),
        request -> {
          try {
            authenticator.authenticate(request.headers().asHttpHeaders());
          } catch (RuntimeException e) {
            return Mono.error(e);
          }
          boolean anthropic = request.headers().firstHeader("anthropic-version") != null;
          List<Map<String, Object>> data = new ArrayList<>();
          for (String alias : ALIASES) {
            data.add(entry(alias, "tokenwise", anthropic));
          }
          for (String model : providers.openai().models()) {
            data.add(entry(model, "openai", anthropic));
          }
          for (String model : providers.anthropic().models()) {
            data.add(entry(model, "anthropic", anthropic));
          }
          for (String model : providers.gemini().models()) {
            data.add(entry(model, "google", anthropic));
          }
          providers
              .compatible()
              .forEach(
                  (name, server) ->
                      server.models().forEach(model -> data.add(entry(model, name, anthropic))));
          Map<String, Object> body = new LinkedHashMap<>();
          if (anthropic) {
            body.put("data", data);
            body.put("has_more", false);
            body.put("first_id", data.get(0).get("id"));
            body.put("last_id", data.get(data.size() - 1).get("id"));
          } else {
            body.put("object", "list");
            body.put("data", data);
          }
          return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
        });
  }

  private static Map<String, Object> entry(String id, String owner, boolean anthropic) {
    Map<String, Object> model = new LinkedHashMap<>();
    if (anthropic) {
      model.put("type", "model");
      model.put("id", id);
      model.put("display_name", id);
      model.put("created_at", "2025-01-01T00:00:00Z");
    } else {
      model.put("id", id);
      model.put("object", "model");
      model.put("created", 0);
      model.put("owned_by", owner);
    }
    return model;
  }
}
