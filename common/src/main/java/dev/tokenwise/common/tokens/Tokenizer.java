package dev.tokenwise.common.tokens;

/**
 * How {@link TokenEstimator} counts text for a model: an exact BPE encoding for OpenAI families, or
 * a documented approximation for providers whose tokenizer is not public.
 */
public enum Tokenizer {
  /** Exact: GPT-4o, GPT-4.1, GPT-4.5, GPT-5, o1/o3/o4, gpt-oss. */
  O200K_BASE(true, 100),
  /** Exact: GPT-4 (non-o), GPT-3.5 and the ada/text-embedding-3 embeddings. */
  CL100K_BASE(true, 100),
  /**
   * Approximate: Anthropic publishes no tokenizer for Claude 3 and later (only the {@code
   * count_tokens} endpoint). Measured against that endpoint, Claude counts English prose and code
   * at roughly 1.1 to 1.2 times cl100k_base, so the estimate is the cl100k_base count times 1.20,
   * rounded up: erring high keeps budget and output-cap checks on the safe side.
   */
  CLAUDE_APPROXIMATION(false, 120),
  /**
   * Approximate: Gemini's SentencePiece vocabulary (about 256k entries) compresses English about as
   * well as o200k_base; the estimate is the o200k_base count times 1.05, rounded up. Google's own
   * rule of thumb is about 4 characters per token.
   */
  GEMINI_APPROXIMATION(false, 105);

  private final boolean exact;
  private final int scalePercent;

  Tokenizer(boolean exact, int scalePercent) {
    this.exact = exact;
    this.scalePercent = scalePercent;
  }

  /** Whether counts equal the provider's own tokenizer (modulo the chat-format overhead). */
  public boolean exact() {
    return exact;
  }

  /** The factor, in percent, applied to the underlying BPE count (100 for exact tokenizers). */
  public int scalePercent() {
    return scalePercent;
  }
}
