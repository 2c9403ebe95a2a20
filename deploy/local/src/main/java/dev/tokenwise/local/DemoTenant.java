package dev.tokenwise.local;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A tenant the launcher configures in the router for trying the suite out, with a virtual key
 * generated at start. The router is given only the key's SHA-256 hash, as in production.
 */
public record DemoTenant(String id, String app, String virtualKey) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A tenant with a fresh random key: {@code tw-<tenant>-} and 32 random bytes, base64url. */
  public static DemoTenant generate(String id) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String key = "tw-" + id + "-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return new DemoTenant(id, id + "-app", key);
  }

  /** Lower-case hex SHA-256 of the key's UTF-8 bytes, the form the router's configuration takes. */
  public String keyHash() {
    return sha256Hex(virtualKey);
  }

  static String sha256Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    // The key is a credential: keep it out of logs that print the record.
    return "DemoTenant[id=" + id + ", app=" + app + ", virtualKey=<redacted>]";
  }
}
