package dev.tokenwise.batch.provider;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the providers' batch APIs are ({@code tokenwise.batch.providers.openai.*} and {@code
 * .anthropic.*}); base URLs carry no {@code /v1}.
 *
 * @param openai OpenAI (or the simulator)
 * @param anthropic Anthropic (or the simulator)
 * @param timeout connect and read timeout of every provider call
 */
@ConfigurationProperties("tokenwise.batch.providers")
public record ProviderProperties(
    Upstream openai, Upstream anthropic, @DefaultValue("60s") Duration timeout) {

  public ProviderProperties {
    openai = openai == null ? new Upstream(URI.create("https://api.openai.com"), null) : openai;
    anthropic =
        anthropic == null ? new Upstream(URI.create("https://api.anthropic.com"), null) : anthropic;
  }

  /** One provider's base URL and key (from the environment, never logged). */
  public record Upstream(URI baseUrl, ApiKey apiKey) {}
}
