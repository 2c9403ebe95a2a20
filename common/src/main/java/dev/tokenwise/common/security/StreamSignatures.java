package dev.tokenwise.common.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies the Redis stream entries one Tokenwise service writes for another (usage
 * events, spend settlements, cache index events), so that holding the Redis password is not enough
 * to forge one. An entry carries two fields besides its own: {@value #PRODUCER}, the producing
 * service's name, and {@value #SIGNATURE}, base64url (no padding) of an HMAC-SHA256 over
 *
 * <ol>
 *   <li>the stream key,
 *   <li>the producer's name,
 *   <li>the number of the entry's other fields, then each field's name and value, sorted by name,
 * </ol>
 *
 * <p>every string as its UTF-8 bytes preceded by their count (4 bytes, big-endian), so no two
 * different entries encode alike. The key is not the deployment's secret itself but an HMAC of
 * {@value #PURPOSE} under it: a stream signature is never a valid service-token MAC or the other
 * way round. An entry moved to another stream, relabelled with another producer, or with any field
 * changed, added or removed does not verify.
 *
 * <p>Signing or verifying an entry costs one HMAC over its bytes: the key is derived once and every
 * thread keeps its own {@link Mac}.
 */
public final class StreamSignatures {

  /** The entry field naming the service that wrote it. */
  public static final String PRODUCER = "producer";

  /** The entry field holding the signature. */
  public static final String SIGNATURE = "sig";

  /** What the signing key is derived for; never used for anything else. */
  static final String PURPOSE = "tokenwise/redis-stream-entry/v1";

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final String self;
  private final ThreadLocal<Mac> macs;

  /** Why an entry is accepted or refused. */
  public enum Outcome {
    VALID("valid"),
    /** No {@value #PRODUCER} or no {@value #SIGNATURE} field. */
    MISSING("signature-missing"),
    /** A signature that does not verify (another secret, stream, producer or content). */
    INVALID("signature-invalid"),
    /** A valid signature by a service the consumer does not take this stream from. */
    PRODUCER_NOT_ALLOWED("producer-not-allowed");

    private final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }

    /** A bounded metric tag value. */
    public String tag() {
      return tag;
    }
  }

  /**
   * A verification's result.
   *
   * @param producer the producer the entry names (null when it names none)
   */
  public record Verification(Outcome outcome, String producer) {

    public boolean valid() {
      return outcome == Outcome.VALID;
    }

    /**
     * What is wrong, for logs and dead letters: {@code signature missing}, {@code signature
     * invalid} or {@code producer <name> not allowed}; null when valid.
     */
    public String reason() {
      return switch (outcome) {
        case VALID -> null;
        case MISSING -> "signature missing";
        case INVALID -> "signature invalid";
        case PRODUCER_NOT_ALLOWED -> "producer " + producer + " not allowed";
      };
    }
  }

  /**
   * @param secret the deployment's shared secret, at least {@value ServiceTokens#MIN_SECRET_BYTES}
   *     bytes
   * @param self this service's name (the producer of the entries it signs), one of {@link
   *     ServiceTokens#SERVICES}
   */
  public StreamSignatures(String secret, String self) {
    Objects.requireNonNull(self, "self");
    if (!ServiceTokens.SERVICES.contains(self)) {
      throw new IllegalArgumentException("Unknown service name '" + self + "'");
    }
    SecretKeySpec key = new SecretKeySpec(derive(ServiceTokens.secretBytes(secret)), "HmacSHA256");
    this.self = self;
    // Each thread clones an initialised prototype: Mac.getInstance looks the algorithm up among
    // the security providers under locks, which an event-loop thread's first signature must not
    // wait on (a clone copies the digest state and takes none).
    Mac prototype = mac(key);
    this.macs = ThreadLocal.withInitial(() -> copy(prototype));
  }

  /** This service's name, the producer its signed entries name. */
  public String self() {
    return self;
  }

  /**
   * The entry to write on {@code stream}: {@code fields} (in their order) then {@value #PRODUCER}
   * and {@value #SIGNATURE}.
   *
   * @throws IllegalArgumentException when {@code fields} already holds either of those two names
   */
  public Map<String, String> sign(String stream, Map<String, String> fields) {
    if (fields.containsKey(PRODUCER) || fields.containsKey(SIGNATURE)) {
      throw new IllegalArgumentException(
          "A signed entry's own fields may not be named " + PRODUCER + " or " + SIGNATURE);
    }
    Map<String, String> signed = new LinkedHashMap<>(fields);
    signed.put(PRODUCER, self);
    signed.put(SIGNATURE, B64.encodeToString(mac(stream, self, fields)));
    return signed;
  }

  /**
   * Checks an entry read from {@code stream}: it must be signed with this deployment's secret, for
   * this stream, by one of {@code producers}.
   */
  public Verification verify(String stream, Map<String, String> entry, Set<String> producers) {
    String producer = entry == null ? null : entry.get(PRODUCER);
    String signature = entry == null ? null : entry.get(SIGNATURE);
    if (producer == null || producer.isEmpty() || signature == null || signature.isEmpty()) {
      return new Verification(Outcome.MISSING, producer);
    }
    byte[] presented;
    try {
      presented = B64D.decode(signature);
    } catch (IllegalArgumentException e) {
      return new Verification(Outcome.INVALID, producer);
    }
    if (!MessageDigest.isEqual(mac(stream, producer, entry), presented)) {
      return new Verification(Outcome.INVALID, producer);
    }
    if (!producers.contains(producer)) {
      return new Verification(Outcome.PRODUCER_NOT_ALLOWED, producer);
    }
    return new Verification(Outcome.VALID, producer);
  }

  /**
   * The MAC of an entry; {@value #PRODUCER} and {@value #SIGNATURE} in {@code fields} are skipped.
   */
  private byte[] mac(String stream, String producer, Map<String, String> fields) {
    String[] names = new String[fields.size()];
    int count = 0;
    for (String name : fields.keySet()) {
      if (!PRODUCER.equals(name) && !SIGNATURE.equals(name)) {
        names[count++] = name;
      }
    }
    if (count > 1) {
      Arrays.sort(names, 0, count);
    }
    Mac mac = macs.get();
    update(mac, stream);
    update(mac, producer);
    updateLength(mac, count);
    for (int i = 0; i < count; i++) {
      update(mac, names[i]);
      update(mac, Objects.requireNonNull(fields.get(names[i]), names[i]));
    }
    return mac.doFinal();
  }

  private static void update(Mac mac, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    updateLength(mac, bytes.length);
    mac.update(bytes);
  }

  private static void updateLength(Mac mac, int length) {
    mac.update((byte) (length >>> 24));
    mac.update((byte) (length >>> 16));
    mac.update((byte) (length >>> 8));
    mac.update((byte) length);
  }

  private static byte[] derive(byte[] secret) {
    return mac(new SecretKeySpec(secret, "HmacSHA256"))
        .doFinal(PURPOSE.getBytes(StandardCharsets.UTF_8));
  }

  private static Mac copy(Mac prototype) {
    try {
      return (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's HmacSHA256 is cloneable", e);
    }
  }

  private static Mac mac(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
    }
  }
}
