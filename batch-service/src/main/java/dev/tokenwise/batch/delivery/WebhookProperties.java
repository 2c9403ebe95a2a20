package dev.tokenwise.batch.delivery;

import java.time.Duration;
import java.util.List;
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
 * @param allowedNetworks CIDR blocks a webhook may reach although they are private, loopback or
 *     link-local (for example the cluster network where cost-service receives shadow results);
 *     empty: public addresses only
 * @param allowedHosts host names a webhook may reach whatever they resolve to (an operator's own
 *     services, such as cost-service's Service name)
 */
@ConfigurationProperties("tokenwise.batch.webhook")
public record WebhookProperties(
    WebhookSecret secret,
    @DefaultValue("8") int maxAttempts,
    @DefaultValue("5s") Duration firstRetry,
    @DefaultValue("30m") Duration maxRetry,
    @DefaultValue("10s") Duration timeout,
    @DefaultValue("5s") Duration interval,
    @DefaultValue("2m") Duration lockAtMost,
    List<String> allowedNetworks,
    List<String> allowedHosts) {

  public WebhookProperties {
    if (secret == null) {
      secret = new WebhookSecret(null);
    }
    allowedNetworks = allowedNetworks == null ? List.of() : List.copyOf(allowedNetworks);
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    // a bad CIDR block fails start-up, not the first webhook
    new OutboundAddresses(allowedNetworks, allowedHosts);
  }

  /** The outbound address policy these settings describe. */
  public OutboundAddresses addresses() {
    return new OutboundAddresses(allowedNetworks, allowedHosts);
  }
}
