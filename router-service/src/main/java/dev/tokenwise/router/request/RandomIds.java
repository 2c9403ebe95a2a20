package dev.tokenwise.router.request;

import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Random ids and secrets without I/O on the request path. {@link UUID#randomUUID()} draws from the
 * platform's NativePRNG, which reads {@code /dev/urandom} under one JVM-wide lock on every call: a
 * blocking read on a Netty thread, shared by every thread that needs an id. A DRBG (NIST SP
 * 800-90A) seeded once when this class loads (the router's warm-up loads it at start) generates
 * from memory afterwards, and is as unpredictable for ids and keys.
 */
public final class RandomIds {

  private static final SecureRandom RANDOM = seeded();

  private RandomIds() {}

  private static SecureRandom seeded() {
    try {
      SecureRandom random = SecureRandom.getInstance("DRBG");
      random.nextBytes(new byte[16]); // instantiates and seeds now, not on a request thread
      return random;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("The JDK has no DRBG SecureRandom", e);
    }
  }

  /** A random (version 4) UUID. */
  public static UUID uuid() {
    byte[] bytes = bytes(16);
    bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80); // IETF variant
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new UUID(buffer.getLong(), buffer.getLong());
  }

  /** {@code req_} and 32 hex digits: the {@code Tokenwise-Request-Id} of one request. */
  public static String requestId() {
    return "req_" + HexFormat.of().formatHex(bytes(16));
  }

  /** {@code n} random bytes, for secrets such as virtual keys. */
  public static byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
