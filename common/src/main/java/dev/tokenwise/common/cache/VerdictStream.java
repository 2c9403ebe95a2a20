package dev.tokenwise.common.cache;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import java.util.Set;

/**
 * Names of the Redis Stream that carries verdicts on semantic cache hits (shadow re-asks, client
 * feedback) from the router to cache-service, where they feed a route's false-hit bound. Each entry
 * has one field, {@link #FIELD}, holding a {@link CacheApi.ShadowReport}'s JSON with its {@code
 * verdictId}, and is signed by its producer ({@link StreamSignatures}); cache-service refuses an
 * entry not signed by one of {@link #PRODUCERS}. cache-service's replicas read it in the consumer
 * group {@link #GROUP} and acknowledge an entry only once its verdict is recorded, so a verdict is
 * delivered at least once; the verdict id makes it count once.
 */
public final class VerdictStream {

  /** The stream key. */
  public static final String KEY = "tokenwise:cache:verdicts";

  /** The services whose signed entries cache-service accepts. */
  public static final Set<String> PRODUCERS = Set.of(ServiceTokens.ROUTER);

  /** The consumer group cache-service replicas share. */
  public static final String GROUP = "cache-service";

  /** The entry field holding the report JSON. */
  public static final String FIELD = "report";

  private VerdictStream() {}
}
