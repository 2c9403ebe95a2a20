package dev.tokenwise.batch.delivery;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook signature: {@code v1=} and the hex HMAC-SHA256, under the shared secret, of {@code
 * <webhook id>.<unix seconds>.<body>}, sent in {@value #SIGNATURE} beside {@value #ID} and {@value
 * #TIMESTAMP}. A receiver recomputes it, rejects a timestamp outside its tolerance (so a captured
 * delivery cannot be replayed later) and ignores an id it has already processed (so a retried
 * delivery is applied once).
 */
public final class WebhookSignature {

  public static final String ID = "Tokenwise-Webhook-Id";
  public static final String TIMESTAMP = "Tokenwise-Webhook-Timestamp";
  public static final String SIGNATURE = "Tokenwise-Webhook-Signature";

  private WebhookSignature() {}

  public static String sign(WebhookSecret secret, String id, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.value().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return "v1=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
    }
  }

  /** Whether a received delivery is authentic and fresh. */
  public static boolean verify(
      WebhookSecret secret,
      String id,
      String timestamp,
      String signature,
      String body,
      Instant now,
      Duration tolerance) {
    if (id == null || timestamp == null || signature == null) {
      return false;
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - seconds) > tolerance.toSeconds()) {
      return false;
    }
    byte[] expected = sign(secret, id, seconds, body).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
  }
}
