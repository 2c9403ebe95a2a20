package dev.tokenwise.router.provider;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Upstream providers ({@code tokenwise.router.providers.<name>.*}). Base URLs carry no {@code /v1}
 * suffix. The API key may also come from the environment ({@code OPENAI_API_KEY}, {@code
 * ANTHROPIC_API_KEY}), which wins over the property.
 */
@ConfigurationProperties("tokenwise.router.providers")
public record ProviderProperties(@DefaultValue Upstream openai, Upstream anthropic) {

  /**
   * One provider endpoint.
   *
   * @param connectTimeout TCP connect
   * @param responseTimeout longest silence between bytes once the request is sent (first byte
   *     included)
   * @param totalTimeout the whole non-streamed exchange
   * @param maxResponseSize the largest non-streamed answer read into memory
   */
  public record Upstream(
      @DefaultValue("http://localhost:8090") URI baseUrl,
      ProviderApiKey apiKey,
      @DefaultValue("5s") Duration connectTimeout,
      @DefaultValue("120s") Duration responseTimeout,
      @DefaultValue("10m") Duration totalTimeout,
      @DefaultValue("16MB") DataSize maxResponseSize) {}
}
