package dev.tokenwise.batch.delivery;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Webhook delivery ({@code tokenwise.batch.webhook.*}).
 *
 * @param secret the HMAC-SHA256 key (from the environment); without one, requests naming a webhook
 *     are refused at intake
 * @param maxAttempts deliveries tried before giving up
 * @param firstRetry wait after the first failed delivery, doubled after each further one
 * @param maxRetry the longest wait between deliveries
 * @param timeout connect and read timeout of one delivery
 * @param interval how often pending deliveries are looked for
 * @param lockAtMost longest the usage-and-delivery lock is held if its holder dies
 */
@ConfigurationProperties("tokenwise.batch.webhook")
public record WebhookProperties(
    WebhookSecret secret,
    @DefaultValue("8") int maxAttempts,
    @DefaultValue("5s") Duration firstRetry,
    @DefaultValue("30m") Duration maxRetry,
    @DefaultValue("10s") Duration timeout,
    @DefaultValue("5s") Duration interval,
    @DefaultValue("2m") Duration lockAtMost) {

  public WebhookProperties {
    if (secret == null) {
      secret = new WebhookSecret(null);
    }
  }
}
