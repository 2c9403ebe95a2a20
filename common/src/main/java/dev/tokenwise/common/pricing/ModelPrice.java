package dev.tokenwise.common.pricing;

import java.math.BigDecimal;
import java.net.URI;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * One model's prices in a catalog version.
 *
 * @param model the canonical model id (a family without date suffix, e.g. {@code gpt-5-mini})
 * @param provider OpenTelemetry GenAI provider name: {@code openai}, {@code anthropic}, {@code
 *     gcp.gemini}
 * @param aliases further ids that resolve to this model (dated snapshots resolve without listing)
 * @param rates the standard-context prices
 * @param longContext the tier for long prompts, or null when the model has one price
 * @param batchDiscount the fraction taken off every component in batch mode (0.5 = 50%)
 * @param effectiveFrom when these prices took effect at the provider
 * @param source where the prices were read
 */
public record ModelPrice(
    String model,
    String provider,
    List<String> aliases,
    Rates rates,
    LongContext longContext,
    BigDecimal batchDiscount,
    LocalDate effectiveFrom,
    URI source) {

  public ModelPrice {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
    aliases = aliases == null ? List.of() : List.copyOf(aliases);
    Objects.requireNonNull(rates, "rates");
    Rates.requireNonNegative(batchDiscount, "batchDiscount");
    if (batchDiscount.compareTo(BigDecimal.ONE) > 0) {
      throw new IllegalArgumentException(
          "batchDiscount is a fraction, at most 1: " + batchDiscount);
    }
  }

  /**
   * Prices above a prompt-size threshold (Gemini 2.5 Pro and Claude Sonnet 4.x above 200k input
   * tokens). The tier prices the whole request, output included.
   */
  public record LongContext(long aboveInputTokens, Rates rates) {
    public LongContext {
      if (aboveInputTokens <= 0) {
        throw new IllegalArgumentException("aboveInputTokens must be positive");
      }
      Objects.requireNonNull(rates, "rates");
    }
  }

  /** The rates that apply to a request with {@code inputTokens} input (cached included). */
  public Rates ratesFor(long inputTokens) {
    return longContext != null && inputTokens > longContext.aboveInputTokens()
        ? longContext.rates()
        : rates;
  }
}
