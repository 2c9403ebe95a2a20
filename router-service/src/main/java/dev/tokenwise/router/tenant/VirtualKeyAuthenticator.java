package dev.tokenwise.router.tenant;

import dev.tokenwise.router.error.OpenAiApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Resolves a virtual key to its tenant. The presented key is hashed with SHA-256 and compared with
 * every configured hash in constant time ({@link MessageDigest#isEqual}), visiting all of them so
 * the time taken does not reveal which tenant, if any, came close.
 */
@Component
public class VirtualKeyAuthenticator {

  private static final String BEARER = "bearer ";

  private final List<KeyHash> hashes;
  private final java.util.Map<String, Remembered> minted =
      new java.util.concurrent.ConcurrentHashMap<>();

  public VirtualKeyAuthenticator(TenantProperties properties) {
    List<KeyHash> list = new ArrayList<>();
    for (TenantProperties.TenantEntry entry : properties.tenants()) {
      if (entry.id() == null || entry.id().isBlank()) {
        throw new IllegalArgumentException("tokenwise.router.tenants[].id must be set");
      }
      Tenant tenant = entry.tenant();
      for (String hex : entry.keyHashes()) {
        byte[] digest;
        try {
          digest = HexFormat.of().parseHex(hex.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "tokenwise.router.tenants[" + entry.id() + "].key-hashes must be SHA-256 hex", e);
        }
        if (digest.length != 32) {
          throw new IllegalArgumentException(
              "tokenwise.router.tenants[" + entry.id() + "].key-hashes must be SHA-256 hex");
        }
        list.add(new KeyHash(digest, tenant));
      }
    }
    this.hashes = List.copyOf(list);
  }

  /** The SHA-256 hex of a virtual key, as it is written in configuration. */
  public static String hash(String virtualKey) {
    return HexFormat.of().formatHex(sha256(virtualKey));
  }

  /**
   * The tenant of the key in {@code Authorization: Bearer <key>} or {@code x-api-key}.
   *
   * @throws OpenAiApiException 401 when no key is presented or the key is unknown
   */
  public Tenant authenticate(HttpHeaders headers) {
    String key = presentedKey(headers);
    if (key == null) {
      throw OpenAiApiException.invalidApiKey(
          "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
    }
    byte[] presented = sha256(key);
    Tenant match = null;
    for (KeyHash candidate : hashes) {
      if (MessageDigest.isEqual(candidate.digest(), presented) && match == null) {
        match = candidate.tenant();
      }
    }
    if (match == null) {
      Remembered minted = minted(HexFormat.of().formatHex(presented));
      match = minted == null ? null : minted.tenant();
    }
    if (match == null) {
      throw OpenAiApiException.invalidApiKey("Incorrect API key provided.");
    }
    return match;
  }

  /** The key presented with a request (bearer token or {@code x-api-key}), or null. */
  public static String presented(HttpHeaders headers) {
    return presentedKey(headers);
  }

  /** Whether a key hash (hex) is one of the configured ones. */
  boolean isConfigured(String hashHex) {
    byte[] digest = HexFormat.of().parseHex(hashHex);
    boolean found = false;
    for (KeyHash candidate : hashes) {
      found |= MessageDigest.isEqual(candidate.digest(), digest);
    }
    return found;
  }

  /** The tenant of a configured key hash, or null. */
  Tenant configured(String hashHex) {
    byte[] digest = HexFormat.of().parseHex(hashHex);
    Tenant match = null;
    for (KeyHash candidate : hashes) {
      if (MessageDigest.isEqual(candidate.digest(), digest) && match == null) {
        match = candidate.tenant();
      }
    }
    return match;
  }

  /** Remembers a key minted at run time (read from Redis) until {@code expiresAtNanos}. */
  void remember(StoredKey key, long expiresAtNanos) {
    minted.put(key.hash(), new Remembered(key, expiresAtNanos));
  }

  /** Drops a remembered key, so the next request reads it from Redis again. */
  void forget(String hashHex) {
    minted.remove(hashHex);
  }

  /**
   * A minted key still fresh in memory, or null.
   *
   * @throws OpenAiApiException 401 naming why when the key is revoked or expired
   */
  Remembered minted(String hashHex) {
    Remembered entry = minted.get(hashHex);
    if (entry == null) {
      return null;
    }
    if (entry.expiresAtNanos() - System.nanoTime() < 0) {
      return null;
    }
    entry.check();
    return entry;
  }

  /**
   * A minted key remembered less than {@code staleFor} past its time, for when Redis cannot be
   * read; null when there is none or it is older.
   *
   * @throws OpenAiApiException 401 naming why when the key is revoked or expired
   */
  Remembered stale(String hashHex, Duration staleFor) {
    Remembered entry = minted.get(hashHex);
    if (entry == null) {
      return null;
    }
    if (entry.expiresAtNanos() + staleFor.toNanos() - System.nanoTime() < 0) {
      minted.remove(hashHex, entry);
      return null;
    }
    entry.check();
    return entry;
  }

  record Remembered(StoredKey key, long expiresAtNanos) {

    Tenant tenant() {
      return key.tenant();
    }

    /** Refuses (401, naming why) a revoked or expired key. */
    void check() {
      OpenAiApiException refusal = key.refusal(System.currentTimeMillis());
      if (refusal != null) {
        throw refusal;
      }
    }
  }

  private static String presentedKey(HttpHeaders headers) {
    String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String key = authorization.substring(BEARER.length()).trim();
      if (!key.isEmpty()) {
        return key;
      }
    }
    String apiKey = headers.getFirst("x-api-key");
    if (apiKey != null && !apiKey.isBlank()) {
      return apiKey.trim();
    }
    return null;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private record KeyHash(byte[] digest, Tenant tenant) {}
}
