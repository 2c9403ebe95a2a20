package dev.tokenwise.router.provider;

import java.util.Locale;

/**
 * The wire format a provider speaks, and its name in usage events and metrics (OpenTelemetry
 * GenAI's {@code gen_ai.provider.name} values).
 */
public enum ProviderKind {
  OPENAI("openai"),
  ANTHROPIC("anthropic");

  private final String providerName;

  ProviderKind(String providerName) {
    this.providerName = providerName;
  }

  public String providerName() {
    return providerName;
  }

  /**
   * The format that serves a model: Anthropic's Messages API for {@code claude-*} models, Chat
   * Completions for every other (OpenAI and any OpenAI-compatible server).
   */
  public static ProviderKind forModel(String model) {
    return model != null && model.toLowerCase(Locale.ROOT).startsWith("claude-")
        ? ANTHROPIC
        : OPENAI;
  }
}
