package dev.tokenwise.router.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mock.env.MockEnvironment;

/**
 * Named OpenAI-compatible servers: configured by properties, each gets the requests for the models
 * it lists, at its own base URL and path, with the key in the header its style asks for.
 */
class CompatibleProvidersTests {

  /** What a fake upstream received: path with query, and the two key headers. */
  record Received(String pathAndQuery, String authorization, String apiKey) {}

  private final List<Received> openAiCalls = new CopyOnWriteArrayList<>();
  private final List<Received> azureCalls = new CopyOnWriteArrayList<>();
  private final HttpServer openAi = server(openAiCalls);
  private final HttpServer azure = server(azureCalls);

  @AfterEach
  void stop() {
    openAi.stop(0);
    azure.stop(0);
  }

  @Test
  void azureStyleServerGetsItsModelsAtItsDeploymentPathWithTheApiKeyHeader() {
    ProviderProperties properties =
        bind(
            Map.of(
                "tokenwise.router.providers.openai.base-url", url(openAi),
                "tokenwise.router.providers.openai.api-key", "sk-openai",
                "tokenwise.router.providers.compatible.azure.base-url",
                    url(azure) + "/openai/deployments/gpt4o",
                "tokenwise.router.providers.compatible.azure.path-prefix", "",
                "tokenwise.router.providers.compatible.azure.api-version", "2024-10-21",
                "tokenwise.router.providers.compatible.azure.api-key-env", "AZURE_OPENAI_KEY",
                "tokenwise.router.providers.compatible.azure.models[0]", "azure-gpt-4o"));
    MockEnvironment env = new MockEnvironment().withProperty("AZURE_OPENAI_KEY", "az-secret");
    ResilientProviders providers = providers(properties, env);

    ProviderReply azureReply = call(providers, "azure-gpt-4o");
    ProviderReply openAiReply = call(providers, "gpt-5-mini");

    assertThat(azureReply.status().value()).isEqualTo(200);
    assertThat(openAiReply.status().value()).isEqualTo(200);
    assertThat(azureCalls)
        .containsExactly(
            new Received(
                "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
                null,
                "az-secret"));
    assertThat(openAiCalls)
        .containsExactly(new Received("/v1/chat/completions", "Bearer sk-openai", null));
    assertThat(properties.compatible().get("azure").toString()).doesNotContain("az-secret");
  }

  @Test
  void vllmStyleServerTakesABearerKeyUnderV1AndItsModelsAreListed() {
    ProviderProperties properties =
        bind(
            Map.of(
                "tokenwise.router.providers.compatible.vllm.base-url", url(azure),
                "tokenwise.router.providers.compatible.vllm.api-key", "vllm-token",
                "tokenwise.router.providers.compatible.vllm.models[0]",
                    "meta-llama/Llama-3.1-8B-Instruct"));
    ResilientProviders providers = providers(properties, new MockEnvironment());

    call(providers, "meta-llama/Llama-3.1-8B-Instruct");

    assertThat(azureCalls)
        .containsExactly(new Received("/v1/chat/completions", "Bearer vllm-token", null));
    assertThat(properties.compatible().get("vllm").keyHeaderName()).isEqualTo("authorization");
    assertThat(
            new ProviderConfiguration()
                .compatibleProviders(properties, new MockEnvironment(), ObservationRegistry.NOOP)
                .models())
        .containsEntry("vllm", List.of("meta-llama/Llama-3.1-8B-Instruct"));
  }

  @Test
  void aServerWithoutModelsIsAConfigurationError() {
    ProviderProperties properties =
        bind(Map.of("tokenwise.router.providers.compatible.ollama.base-url", url(azure)));

    assertThatThrownBy(
            () ->
                new ProviderConfiguration()
                    .compatibleProviders(
                        properties, new MockEnvironment(), ObservationRegistry.NOOP))
        .hasMessageContaining("compatible.ollama.models");
  }

  private static ProviderProperties bind(Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("tokenwise.router.providers", ProviderProperties.class);
  }

  private static ResilientProviders providers(ProviderProperties properties, MockEnvironment env) {
    ProviderConfiguration configuration = new ProviderConfiguration();
    return new ResilientProviders(
        configuration.openAiProviderClient(properties, env, ObservationRegistry.NOOP),
        configuration.anthropicProviderClient(properties, env, ObservationRegistry.NOOP),
        configuration.geminiProviderClient(properties, env, ObservationRegistry.NOOP),
        configuration.compatibleProviders(properties, env, ObservationRegistry.NOOP),
        new ResilienceProperties(
            1,
            Duration.ofMillis(1),
            Duration.ofMillis(1),
            Duration.ofMillis(1),
            Duration.ofSeconds(10),
            50,
            50,
            Duration.ofSeconds(30),
            Map.of()));
  }

  private static ProviderReply call(ResilientProviders providers, String model) {
    byte[] body =
        ("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    return providers
        .complete(
            List.of(new ResilientProviders.Target(ProviderKind.forModel(model), model)),
            target -> body)
        .block(Duration.ofSeconds(20))
        .reply();
  }

  private static HttpServer server(List<Received> calls) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/",
          exchange -> {
            calls.add(
                new Received(
                    exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("api-key")));
            exchange.getRequestBody().readAllBytes();
            byte[] answer = "{\"object\":\"chat.completion\",\"choices\":[]}".getBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String url(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }
}
