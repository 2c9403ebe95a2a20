package dev.tokenwise.router.provider;

import java.util.Locale;

/**
 * The wire format a provider speaks, and its name in usage events and metrics (OpenTelemetry
 * GenAI's {@code gen_ai.provider.name} values).
 */
public enum ProviderKind {
  OPENAI("openai"),
  ANTHROPIC("anthropic"),
  GEMINI("gcp.gemini");

  private final String providerName;

  ProviderKind(String providerName) {
    this.providerName = providerName;
  }

  public String providerName() {
    return providerName;
  }

  /**
   * The format that serves a model: Anthropic's Messages API for {@code claude-*} models, Gemini's
   * {@code generateContent} for {@code gemini-*} models, Chat Completions for every other (OpenAI
   * and any OpenAI-compatible server).
   */
  public static ProviderKind forModel(String model) {
    String name = model == null ? "" : model.toLowerCase(Locale.ROOT);
    if (name.startsWith("claude-")) {
      return ANTHROPIC;
    }
    return name.startsWith("gemini-") ? GEMINI : OPENAI;
  }
}
