package dev.tokenwise.router.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

class ProviderConfigurationTests {

  @Test
  void environmentVariableWinsOverTheProperty() {
    MockEnvironment env = new MockEnvironment().withProperty("OPENAI_API_KEY", "sk-from-env");
    assertThat(
            ProviderConfiguration.apiKey(env, "OPENAI_API_KEY", new ProviderApiKey("sk-property"))
                .reveal())
        .isEqualTo("sk-from-env");
  }

  @Test
  void propertyIsUsedWhenTheVariableIsUnsetOrBlank() {
    MockEnvironment env = new MockEnvironment().withProperty("OPENAI_API_KEY", " ");
    assertThat(
            ProviderConfiguration.apiKey(env, "OPENAI_API_KEY", new ProviderApiKey("sk-property"))
                .reveal())
        .isEqualTo("sk-property");
    assertThat(ProviderConfiguration.apiKey(new MockEnvironment(), "OPENAI_API_KEY", null))
        .isNull();
  }

  @Test
  void keyNeverShowsInToStringEvenInsideProperties() {
    ProviderApiKey key = new ProviderApiKey("sk-secret-123");
    ProviderProperties.Upstream upstream =
        new ProviderProperties.Upstream(
            null, key, null, null, null, null, null, null, null, java.util.List.of(), 16);
    assertThat(key.toString()).doesNotContain("sk-secret-123");
    assertThat(upstream.toString()).doesNotContain("sk-secret-123");
  }
}
