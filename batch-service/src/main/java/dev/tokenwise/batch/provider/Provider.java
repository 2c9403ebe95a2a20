package dev.tokenwise.batch.provider;

import java.util.Locale;

/** The providers whose batch APIs batch-service uses, with their batch limits. */
public enum Provider {
  /** OpenAI: 50,000 requests or 200 MB per input file (OpenAI Batch API limits). */
  OPENAI("openai", "/v1/chat/completions", 50_000, 200L * 1024 * 1024),
  /** Anthropic: 100,000 requests or 256 MB per message batch. */
  ANTHROPIC("anthropic", "/v1/messages", 100_000, 256L * 1024 * 1024);

  private final String id;
  private final String endpoint;
  private final int maxRequests;
  private final long maxBytes;

  Provider(String id, String endpoint, int maxRequests, long maxBytes) {
    this.id = id;
    this.endpoint = endpoint;
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
  }

  /** The wire name, as in usage events ({@code openai}, {@code anthropic}). */
  public String id() {
    return id;
  }

  /** The synchronous endpoint a batch line stands for. */
  public String endpoint() {
    return endpoint;
  }

  public int maxRequests() {
    return maxRequests;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** The provider named {@code id}, or null. */
  public static Provider of(String id) {
    if (id == null) {
      return null;
    }
    for (Provider p : values()) {
      if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    return null;
  }
}
