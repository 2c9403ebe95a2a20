package dev.tokenwise.router.provider;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** One client per configured upstream. */
@Configuration(proxyBeanMethods = false)
class ProviderConfiguration {

  @Bean
  OpenAiProviderClient openAiProviderClient(ProviderProperties properties, Environment env) {
    return new OpenAiProviderClient(
        properties.openai(), apiKey(env, "OPENAI_API_KEY", properties.openai().apiKey()));
  }

  /** The environment variable wins over the property (BRIEF: "env wins"). */
  static ProviderApiKey apiKey(Environment env, String variable, ProviderApiKey configured) {
    String fromEnv = env.getProperty(variable);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new ProviderApiKey(fromEnv);
    }
    return configured;
  }
}
