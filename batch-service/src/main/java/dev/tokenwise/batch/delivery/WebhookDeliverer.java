package dev.tokenwise.batch.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Delivers finished requests to their webhooks: a signed POST of the job (status and result or
 * error); a 2xx answer marks it delivered; anything else is retried with exponential backoff until
 * {@code maxAttempts}, then marked abandoned (the result stays at {@code GET /v1/jobs/{id}}).
 */
@Component
public class WebhookDeliverer {

  private static final Logger log = LoggerFactory.getLogger(WebhookDeliverer.class);

  private static final int PAGE = 100;

  private record Pending(
      UUID id, String url, String status, String result, String error, int attempts) {}

  private final JdbcTemplate jdbc;
  private final WebhookProperties properties;
  private final JsonMapper json;
  private final Clock clock;
  private final RestClient http;

  WebhookDeliverer(JdbcTemplate jdbc, WebhookProperties properties, JsonMapper json, Clock clock) {
    this.jdbc = jdbc;
    this.properties = properties;
    this.json = json;
    this.clock = clock;
    OutboundAddresses addresses = properties.addresses();
    Timeout timeout = Timeout.of(properties.timeout());
    // every connection resolves through the address policy (no DNS rebinding after intake), and
    // a redirect is an answer, never followed (it could point anywhere)
    CloseableHttpClient client =
        HttpClients.custom()
            .setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create()
                    .setDnsResolver(
                        new SystemDefaultDnsResolver() {
                          @Override
                          public InetAddress[] resolve(String host) throws UnknownHostException {
                            return addresses.resolve(host);
                          }
                        })
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(timeout)
                            .setSocketTimeout(timeout)
                            .build())
                    .build())
            .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(timeout).build())
            .disableRedirectHandling()
            // retries are this class's, with its backoff and attempt count (HttpClient's own would
            // re-send on a 503 at once)
            .disableAutomaticRetries()
            .build();
    this.http =
        RestClient.builder()
            .requestFactory(new HttpComponentsClientHttpRequestFactory(client))
            .build();
  }

  /** Delivers what is due; returns how many deliveries succeeded. */
  public int deliverDue() {
    Instant now = clock.instant();
    List<Pending> due =
        jdbc.query(
            "select id, webhook_url, status, result, error, webhook_attempts"
                + " from batch.deferred_request where webhook_state = 'pending'"
                + " and webhook_next_at <= ? order by webhook_next_at limit ?",
            (rs, i) ->
                new Pending(
                    rs.getObject("id", UUID.class),
                    rs.getString("webhook_url"),
                    rs.getString("status"),
                    rs.getString("result"),
                    rs.getString("error"),
                    rs.getInt("webhook_attempts")),
            Timestamp.from(now),
            PAGE);
    int delivered = 0;
    for (Pending p : due) {
      if (deliver(p)) {
        delivered++;
      }
    }
    return delivered;
  }

  private boolean deliver(Pending p) {
    String body = payload(p);
    long timestamp = clock.instant().getEpochSecond();
    String failure;
    try {
      int status =
          http.post()
              .uri(p.url())
              .contentType(MediaType.APPLICATION_JSON)
              .header(WebhookSignature.ID, p.id().toString())
              .header(WebhookSignature.TIMESTAMP, Long.toString(timestamp))
              .header(
                  WebhookSignature.SIGNATURE,
                  WebhookSignature.sign(properties.secret(), p.id().toString(), timestamp, body))
              .body(body)
              .exchange((request, response) -> response.getStatusCode().value());
      if (status >= 200 && status < 300) {
        jdbc.update(
            "update batch.deferred_request set webhook_state = 'delivered',"
                + " webhook_attempts = webhook_attempts + 1, webhook_error = null where id = ?",
            p.id());
        return true;
      }
      failure = "HTTP " + status;
    } catch (RuntimeException e) {
      if (e.getCause() instanceof OutboundAddresses.RefusedAddressException refused) {
        // the host now resolves somewhere webhooks may not go: no retry will change that
        log.warn("Webhook for {} refused: {}", p.id(), refused.getMessage());
        jdbc.update(
            "update batch.deferred_request set webhook_state = 'abandoned',"
                + " webhook_attempts = webhook_attempts + 1, webhook_error = ? where id = ?",
            "refused: " + refused.getMessage(),
            p.id());
        return false;
      }
      failure = e.getClass().getSimpleName();
    }
    int attempts = p.attempts() + 1;
    if (attempts >= properties.maxAttempts()) {
      log.warn("Webhook for {} abandoned after {} attempts: {}", p.id(), attempts, failure);
      jdbc.update(
          "update batch.deferred_request set webhook_state = 'abandoned', webhook_attempts = ?,"
              + " webhook_error = ? where id = ?",
          attempts,
          failure,
          p.id());
    } else {
      Duration wait = properties.firstRetry().multipliedBy(1L << Math.min(attempts - 1, 20));
      if (wait.compareTo(properties.maxRetry()) > 0) {
        wait = properties.maxRetry();
      }
      jdbc.update(
          "update batch.deferred_request set webhook_attempts = ?, webhook_error = ?,"
              + " webhook_next_at = ? where id = ?",
          attempts,
          failure,
          Timestamp.from(clock.instant().plus(wait)),
          p.id());
    }
    return false;
  }

  private String payload(Pending p) {
    ObjectNode body = json.createObjectNode();
    body.put("id", p.id().toString());
    body.put("object", "tokenwise.job");
    body.put("status", p.status());
    body.set("result", p.result() == null ? null : json.readTree(p.result()));
    if (p.error() != null && !"succeeded".equals(p.status())) {
      body.putObject("error").put("message", p.error());
    } else {
      body.putNull("error");
    }
    return body.toString();
  }
}
