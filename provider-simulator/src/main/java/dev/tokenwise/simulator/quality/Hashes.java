package dev.tokenwise.simulator.quality;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Uniform draws from a SHA-256 of labelled text, so every run of the simulator agrees. */
final class Hashes {

  private Hashes() {}

  /** The SHA-256 of the parts, each followed by a NUL, so part boundaries cannot shift. */
  static byte[] sha256(String... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        digest.update(part.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** The {@code i}-th (0..3) draw from {@code hash}, uniform in [0, 1), 53 bits each. */
  static double uniform(byte[] hash, int i) {
    long bits = 0;
    for (int b = 0; b < 8; b++) {
      bits = (bits << 8) | Byte.toUnsignedLong(hash[i * 8 + b]);
    }
    return (bits >>> 11) * 0x1.0p-53;
  }

  /** A non-negative int from the {@code i}-th (0..7) four bytes of {@code hash}. */
  static int index(byte[] hash, int i) {
    int bits = 0;
    for (int b = 0; b < 4; b++) {
      bits = (bits << 8) | Byte.toUnsignedInt(hash[i * 4 + b]);
    }
    return bits & Integer.MAX_VALUE;
  }
}
