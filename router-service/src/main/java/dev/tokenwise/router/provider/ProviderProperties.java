package dev.tokenwise.router.provider;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    @DefaultValue Upstream gemini,
    @DefaultValue Map<String, Compatible> compatible) {

  /**
   * A named OpenAI-compatible server ({@code tokenwise.router.providers.compatible.<name>.*}), for
   * example vLLM at {@code http://vllm:8000} (path prefix {@code /v1}), Ollama at {@code
   * http://ollama:11434} ({@code /v1}), or an Azure OpenAI deployment at {@code
   * https://x.openai.azure.com/openai/deployments/d} (path prefix empty, {@code api-version} set).
   *
   * @param apiKeyEnv the environment variable holding the key, which wins over {@code api-key-file}
   *     and {@code api-key}
   * @param keyHeader the header the key travels in: {@code authorization} (as {@code Bearer <key>};
   *     the default), {@code api-key} (the default when {@code api-version} is set: Azure), or any
   *     other header name, which gets the bare key
   * @param models the models this server serves: requests for them go here (required)
   */
  public record Compatible(
      @DefaultValue("http://localhost:8000") URI baseUrl,
      ProviderApiKey apiKey,
      Path apiKeyFile,
      String apiKeyEnv,
      String keyHeader,
      @DefaultValue("5s") Duration connectTimeout,
      @DefaultValue("120s") Duration responseTimeout,
      @DefaultValue("10m") Duration totalTimeout,
      @DefaultValue("16MB") DataSize maxResponseSize,
      @DefaultValue("/v1") String pathPrefix,
      String apiVersion,
      @DefaultValue List<String> models,
      @DefaultValue("100") int maxConnections) {

    /** The connection settings in the form every provider client takes. */
    public Upstream upstream() {
      return new Upstream(
          baseUrl,
          apiKey,
          apiKeyFile,
          connectTimeout,
          responseTimeout,
          totalTimeout,
          maxResponseSize,
          pathPrefix,
          apiVersion,
          models,
          maxConnections);
    }

    /** The header name the key travels in, lower case. */
    public String keyHeaderName() {
      if (keyHeader != null && !keyHeader.isBlank()) {
        return keyHeader.strip().toLowerCase(java.util.Locale.ROOT);
      }
      return apiVersion != null && !apiVersion.isBlank() ? "api-key" : "authorization";
    }
  }

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
