package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.AnthropicProviderClient;
import dev.tokenwise.router.provider.OpenAiProviderClient;
import dev.tokenwise.router.provider.ProviderProperties;
import dev.tokenwise.router.provider.ResilienceProperties;
import dev.tokenwise.router.provider.ResilientProviders;
import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Retries, fallback and the total deadline, against the fault-injecting stub providers. */
class ResilientProvidersTests {

  private static final FaultyProviders stub = new FaultyProviders();

  @AfterAll
  static void stop() {
    stub.close();
  }

  private static ResilientProviders providers(Duration total) {
    ProviderProperties.Upstream upstream =
        new ProviderProperties.Upstream(
            URI.create(stub.baseUrl()),
            null,
            null,
            Duration.ofSeconds(1),
            Duration.ofMillis(300),
            Duration.ofSeconds(10),
            DataSize.ofMegabytes(1),
            "/v1",
            null,
            List.of(),
            16);
    return new ResilientProviders(
        new OpenAiProviderClient(upstream, null, ObservationRegistry.NOOP),
        new AnthropicProviderClient(upstream, null, ObservationRegistry.NOOP),
        new ResilienceProperties(
            3,
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            Duration.ofMillis(5),
            total,
            50,
            50,
            Duration.ofSeconds(30),
            Map.of("claude-hang", List.of("gpt-hang"), "claude-x", List.of("gpt-y"))));
  }

  @Test
  void everyModelHangingEndsAtTheTotalDeadline() {
    ResilientProviders providers = providers(Duration.ofMillis(800));
    byte[] body = "{\"model\":\"claude-hang\"}".getBytes(StandardCharsets.UTF_8);
    // six attempts of 300 ms each would take 1.8 s: the 800 ms deadline ends the call first
    assertThatThrownBy(
            () ->
                providers.stream(providers.chain("default", "claude-hang"), t -> body)
                    .block(Duration.ofSeconds(20)))
        .isInstanceOfSatisfying(
            OpenAiApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(503);
              assertThat(e.getMessage()).startsWith("No provider answered within 800 ms");
            });
  }

  @Test
  void aFailingModelFallsBackToTheNext() {
    ResilientProviders providers = providers(Duration.ofSeconds(5));
    stub.reset();
    var served =
        providers
            .complete(
                providers.chain("default", "claude-x"),
                t ->
                    t.model().equals("claude-x")
                        ? "{\"model\":\"claude-broken\"}".getBytes(StandardCharsets.UTF_8)
                        : "{\"model\":\"gpt-y\"}".getBytes(StandardCharsets.UTF_8))
            .block(Duration.ofSeconds(10));
    assertThat(served.target().model()).isEqualTo("gpt-y");
    assertThat(served.reply().status().value()).isEqualTo(200);
    // three attempts at the failing model, then one at the fallback
    assertThat(stub.calls.stream().filter(c -> c.model().equals("claude-broken"))).hasSize(3);
    assertThat(stub.calls.stream().filter(c -> c.model().equals("gpt-y"))).hasSize(1);
  }
}
