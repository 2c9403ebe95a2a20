package dev.tokenwise.cost.quality;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Shadow evaluation ({@code tokenwise.cost.quality.shadow.*}).
 *
 * @param webhookSecret the secret batch-service signs its webhooks with ({@code
 *     tokenwise.batch.webhook.secret}, both from {@code TOKENWISE_WEBHOOK_SECRET}); without it
 *     every delivery is refused
 * @param tolerance how far a delivery's timestamp may be from now (a captured delivery cannot be
 *     replayed later)
 * @param judge how the served and reference answers are compared: {@code final-answer} (the
 *     default: where both answers state a final answer, such as a last {@code Answer: C} line or a
 *     trailing number, 1 when they agree and 0 when not; otherwise as {@code embedding}), {@code
 *     embedding} (MiniLM cosine of the two texts) or {@code lexical} (Jaccard overlap of their
 *     words; no model to load). Below {@code tokenwise.cost.quality.similarity-threshold} is a bad
 *     verdict.
 * @param maxAnswerChars longest served answer the router may register
 */
@ConfigurationProperties("tokenwise.cost.quality.shadow")
record ShadowProperties(
    WebhookSecret webhookSecret,
    @DefaultValue("5m") Duration tolerance,
    @DefaultValue("final-answer") String judge,
    @DefaultValue("200000") int maxAnswerChars) {

  ShadowProperties {
    if (webhookSecret == null) {
      webhookSecret = new WebhookSecret(null);
    }
  }

  /** The webhook secret; its {@code toString()} never prints the value. */
  public record WebhookSecret(String value) {

    boolean isPresent() {
      return value != null && !value.isBlank();
    }

    @Override
    public String toString() {
      return isPresent() ? "WebhookSecret[****]" : "WebhookSecret[none]";
    }
  }
}
