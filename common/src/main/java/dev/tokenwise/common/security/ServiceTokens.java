package dev.tokenwise.common.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints and verifies service tokens: {@code tw1.<caller>.<audience>.<tenant>.<expiry>.<mac>}, where
 * the tenant is base64url, the expiry is epoch seconds and the MAC is HMAC-SHA256 over everything
 * before it with the deployment's shared secret. A token names who calls, which service it is for
 * (a token minted for cache-service is refused by cost-service) and the one tenant the call may act
 * for, so a caller that holds a token for tenant A cannot read or write tenant B, and a pod without
 * the secret cannot call at all.
 *
 * <p>Minted tokens live {@link #LIFETIME} and are reused for half of it, so a busy caller signs one
 * token per tenant and callee every 30 seconds, not one per request. Verifying costs one HMAC.
 */
public final class ServiceTokens {

  /** Header every internal call carries its token in. */
  public static final String HEADER = "Tokenwise-Service-Token";

  /** The tenant of a token that acts for no tenant in particular. */
  public static final String ANY_TENANT = "*";

  public static final String ROUTER = "router-service";
  public static final String CACHE = "cache-service";
  public static final String BATCH = "batch-service";
  public static final String COST = "cost-service";

  /** The services that may sign tokens. */
  public static final Set<String> SERVICES = Set.of(ROUTER, CACHE, BATCH, COST);

  public static final Duration LIFETIME = Duration.ofSeconds(60);

  /** Clock difference between two hosts tolerated on the expiry. */
  static final Duration SKEW = Duration.ofSeconds(5);

  /** The shortest secret accepted: 32 bytes, 256 bits, the HMAC-SHA256 key size. */
  public static final int MIN_SECRET_BYTES = 32;

  private static final String VERSION = "tw1";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final String self;
  private final Clock clock;
  private final ThreadLocal<Mac> macs;
  private final Map<String, Minted> minted = new ConcurrentHashMap<>();

  private record Minted(String token, long refreshAtSeconds) {}

  /**
   * @param secret the deployment's shared secret, at least {@value #MIN_SECRET_BYTES} bytes
   * @param self this service's name, one of {@link #SERVICES}
   */
  public ServiceTokens(String secret, String self, Clock clock) {
    Objects.requireNonNull(self, "self");
    if (!SERVICES.contains(self)) {
      throw new IllegalArgumentException("Unknown service name '" + self + "'");
    }
    this.key = new SecretKeySpec(secretBytes(secret), "HmacSHA256");
    this.self = self;
    this.clock = clock;
    this.macs =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
              } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
              }
            });
  }

  /**
   * The secret's bytes.
   *
   * @throws IllegalArgumentException when it is missing or shorter than {@value #MIN_SECRET_BYTES}
   *     bytes
   */
  static byte[] secretBytes(String secret) {
    if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "The service secret (tokenwise.service-auth.secret, env TOKENWISE_SERVICE_SECRET) must"
              + " be set to at least "
              + MIN_SECRET_BYTES
              + " bytes, the same on every Tokenwise service");
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  /** This service's name. */
  public String self() {
    return self;
  }

  /** A token for calling {@code audience} on behalf of {@code tenant} (or {@link #ANY_TENANT}). */
  public String mint(String audience, String tenant) {
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(tenant, "tenant");
    long now = clock.instant().getEpochSecond();
    String cacheKey = audience + '\n' + tenant;
    Minted cached = minted.get(cacheKey);
    if (cached != null && now < cached.refreshAtSeconds()) {
      return cached.token();
    }
    if (minted.size() > 10_000) {
      minted.clear();
    }
    long expiry = now + LIFETIME.toSeconds();
    String body =
        VERSION
            + '.'
            + self
            + '.'
            + audience
            + '.'
            + B64.encodeToString(tenant.getBytes(StandardCharsets.UTF_8))
            + '.'
            + expiry;
    String token = body + '.' + B64.encodeToString(mac(body));
    minted.put(cacheKey, new Minted(token, now + LIFETIME.toSeconds() / 2));
    return token;
  }

  /**
   * The caller a token proves, when it was signed with this deployment's secret, is meant for this
   * service and has not expired.
   *
   * @throws ServiceTokenException naming why the token is refused
   */
  public ServiceCaller verify(String token) {
    if (token == null || token.isBlank()) {
      throw new ServiceTokenException(
          "service_token_missing",
          "This is an internal endpoint: send a service token in the " + HEADER + " header.");
    }
    int macAt = token.lastIndexOf('.');
    String[] parts = macAt < 0 ? new String[0] : token.substring(0, macAt).split("\\.", -1);
    if (parts.length != 5 || !VERSION.equals(parts[0])) {
      throw new ServiceTokenException("service_token_malformed", "The service token is malformed.");
    }
    byte[] presented;
    try {
      presented = B64D.decode(token.substring(macAt + 1));
    } catch (IllegalArgumentException e) {
      throw new ServiceTokenException("service_token_malformed", "The service token is malformed.");
    }
    if (!MessageDigest.isEqual(mac(token.substring(0, macAt)), presented)) {
      throw new ServiceTokenException(
          "service_token_invalid", "The service token's signature does not verify.");
    }
    if (!self.equals(parts[2])) {
      throw new ServiceTokenException(
          "service_token_wrong_audience",
          "The service token was minted for " + parts[2] + ", not " + self + ".");
    }
    long expiry;
    try {
      expiry = Long.parseLong(parts[4]);
    } catch (NumberFormatException e) {
      throw new ServiceTokenException("service_token_malformed", "The service token is malformed.");
    }
    long now = clock.instant().getEpochSecond();
    if (now > expiry + SKEW.toSeconds()) {
      throw new ServiceTokenException("service_token_expired", "The service token has expired.");
    }
    if (expiry > now + LIFETIME.toSeconds() + SKEW.toSeconds()) {
      throw new ServiceTokenException(
          "service_token_invalid", "The service token's expiry is further out than allowed.");
    }
    if (!SERVICES.contains(parts[1])) {
      throw new ServiceTokenException(
          "service_token_invalid", "The service token names an unknown caller.");
    }
    String tenant;
    try {
      tenant = new String(B64D.decode(parts[3]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ServiceTokenException("service_token_malformed", "The service token is malformed.");
    }
    return new ServiceCaller(parts[1], tenant);
  }

  private byte[] mac(String body) {
    return macs.get().doFinal(body.getBytes(StandardCharsets.UTF_8));
  }
}
