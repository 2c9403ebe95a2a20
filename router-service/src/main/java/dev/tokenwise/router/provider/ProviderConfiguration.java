package dev.tokenwise.router.provider;

import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** One client per configured upstream, each observed (traced) with the application's registry. */
@Configuration(proxyBeanMethods = false)
class ProviderConfiguration {

  @Bean
  OpenAiProviderClient openAiProviderClient(
      ProviderProperties properties, Environment env, ObservationRegistry observations) {
    return new OpenAiProviderClient(
        properties.openai(), upstreamKey(env, "OPENAI_API_KEY", properties.openai()), observations);
  }

  @Bean
  AnthropicProviderClient anthropicProviderClient(
      ProviderProperties properties, Environment env, ObservationRegistry observations) {
    return new AnthropicProviderClient(
        properties.anthropic(),
        upstreamKey(env, "ANTHROPIC_API_KEY", properties.anthropic()),
        observations);
  }

  @Bean
  GeminiProviderClient geminiProviderClient(
      ProviderProperties properties, Environment env, ObservationRegistry observations) {
    return new GeminiProviderClient(
        properties.gemini(), upstreamKey(env, "GEMINI_API_KEY", properties.gemini()), observations);
  }

  /** One client per named OpenAI-compatible server; the key from its own variable, if named. */
  @Bean
  CompatibleProviders compatibleProviders(
      ProviderProperties properties, Environment env, ObservationRegistry observations) {
    CompatibleProviders compatible = CompatibleProviders.none();
    properties
        .compatible()
        .forEach(
            (name, server) -> {
              ProviderProperties.Upstream upstream = server.upstream();
              ProviderApiKey key =
                  upstreamKey(
                      env,
                      server.apiKeyEnv() == null || server.apiKeyEnv().isBlank()
                          ? null
                          : server.apiKeyEnv(),
                      upstream);
              compatible.add(
                  name,
                  new OpenAiProviderClient(upstream, key, server.keyHeaderName(), observations),
                  server.models());
            });
    return compatible;
  }

  static ProviderApiKey upstreamKey(
      Environment env, String variable, ProviderProperties.Upstream up) {
    ProviderApiKey configured = up.apiKey();
    if (up.apiKeyFile() != null && (configured == null || configured.isBlank())) {
      try {
        configured =
            new ProviderApiKey(Files.readString(up.apiKeyFile(), StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read the provider key file " + up.apiKeyFile(), e);
      }
    }
    return apiKey(env, variable, configured);
  }

  /** The environment variable wins over the property, so a deployment's Secret always applies. */
  static ProviderApiKey apiKey(Environment env, String variable, ProviderApiKey configured) {
    String fromEnv = variable == null ? null : env.getProperty(variable);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new ProviderApiKey(fromEnv);
    }
    return configured;
  }
}
