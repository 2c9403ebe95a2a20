package dev.tokenwise.router.provider;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Upstream providers ({@code tokenwise.router.providers.<name>.*}). Base URLs carry no {@code /v1}
 * suffix. The API key comes from the environment ({@code OPENAI_API_KEY}, {@code
 * ANTHROPIC_API_KEY}, {@code GEMINI_API_KEY}), else a mounted secret file ({@code api-key-file}),
 * else the property. Gemini's {@code path-prefix} is the API version: {@code /v1} (the default,
 * which Google's Java SDK 2.x calls) or {@code /v1beta} (Google's REST samples).
 */
@ConfigurationProperties("tokenwise.router.providers")
public record ProviderProperties(
    @DefaultValue Upstream openai,
    @DefaultValue Upstream anthropic,
    @DefaultValue Upstream gemini) {

  /**
   * One provider endpoint.
   *
   * @param apiKeyFile a mounted secret holding the key (Kubernetes Secret volume); trailing
   *     whitespace ignored
   * @param connectTimeout TCP connect
   * @param responseTimeout longest silence between bytes once the request is sent: the first-byte
   *     timeout, and the idle timeout of a stream
   * @param totalTimeout the whole non-streamed exchange (one attempt)
   * @param maxResponseSize the largest non-streamed answer read into memory
   * @param pathPrefix put before the API path: {@code /v1} for OpenAI, Anthropic, vLLM and Ollama;
   *     empty for an Azure deployment URL ({@code https://x.openai.azure.com/openai/deployments/d})
   * @param apiVersion Azure's {@code api-version} query parameter; when set the key travels as
   *     {@code api-key} instead of a bearer token
   * @param models the models this upstream serves, listed by {@code GET /v1/models}
   * @param maxConnections pooled connections to this upstream (reactor-netty's default of 16 on two
   *     cores would queue a gateway's concurrent calls)
   */
  public record Upstream(
      @DefaultValue("http://localhost:8090") URI baseUrl,
      ProviderApiKey apiKey,
      Path apiKeyFile,
      @DefaultValue("5s") Duration connectTimeout,
      @DefaultValue("120s") Duration responseTimeout,
      @DefaultValue("10m") Duration totalTimeout,
      @DefaultValue("16MB") DataSize maxResponseSize,
      @DefaultValue("/v1") String pathPrefix,
      String apiVersion,
      @DefaultValue List<String> models,
      @DefaultValue("1000") int maxConnections) {}
}
