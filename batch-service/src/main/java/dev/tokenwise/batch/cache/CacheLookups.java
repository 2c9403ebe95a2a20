package dev.tokenwise.batch.cache;

import dev.tokenwise.batch.collect.Answers;
import dev.tokenwise.batch.metrics.BatchMetrics;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Before a group of queued requests is assembled, asks cache-service for each one not asked yet. A
 * hit completes the request at once (result stored, usage event {@code cache-exact} in the outbox,
 * webhook due) and it is never submitted; a miss is remembered so the request is not asked again.
 * The cache fails open: the first failed or late lookup ends the pass, and the rest of the group is
 * submitted as if it had missed (it is asked again before a later batch only if still queued).
 */
@Component
public class CacheLookups {

  private static final Logger log = LoggerFactory.getLogger(CacheLookups.class);

  private static final int PAGE = 500;

  private final CacheProperties properties;
  private final CacheServiceClient client;
  private final CacheRows rows;
  private final JsonMapper json;
  private final BatchMetrics metrics;
  private final Clock clock;

  CacheLookups(
      CacheProperties properties,
      CacheServiceClient client,
      CacheRows rows,
      JsonMapper json,
      BatchMetrics metrics,
      Clock clock) {
    this.properties = properties;
    this.client = client;
    this.rows = rows;
    this.json = json;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Looks up the group's queued requests that were not asked yet; returns how many were answered
   * from the cache.
   */
  public int answerQueued(String provider, String model, String endpoint) {
    if (!properties.enabled()) {
      return 0;
    }
    int answered = 0;
    while (true) {
      List<CacheRows.Queued> page = rows.pendingLookups(provider, model, endpoint, PAGE);
      if (page.isEmpty()) {
        return answered;
      }
      Semaphore inFlight = new Semaphore(properties.concurrency());
      List<CompletableFuture<Optional<JsonNode>>> lookups = new ArrayList<>(page.size());
      for (CacheRows.Queued request : page) {
        inFlight.acquireUninterruptibly();
        CompletableFuture<Optional<JsonNode>> lookup;
        try {
          lookup =
              client.lookup(
                  request.tenant(),
                  request.route(),
                  request.model(),
                  request.cacheRequest(),
                  request.cachePolicy());
        } catch (RuntimeException e) {
          // the request itself cannot be sent (not JSON): it is submitted, never asked again
          lookup = CompletableFuture.completedFuture(Optional.empty());
        }
        lookups.add(lookup.whenComplete((hit, error) -> inFlight.release()));
      }
      List<UUID> missed = new ArrayList<>();
      boolean failed = false;
      for (int i = 0; i < page.size(); i++) {
        Optional<JsonNode> hit;
        try {
          hit = lookups.get(i).get();
        } catch (ExecutionException e) {
          failed = true;
          log.warn(
              "Cache lookup failed, submitting without it: {}",
              e.getCause() == null ? e.toString() : e.getCause().toString());
          continue;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return answered;
        }
        if (hit.isEmpty()) {
          missed.add(page.get(i).id());
        } else if (complete(page.get(i), hit.get())) {
          answered++;
        }
      }
      rows.missed(missed);
      if (failed) {
        // The failed ones stay unasked; the group goes out now, without them waiting on the cache.
        return answered;
      }
    }
  }

  private boolean complete(CacheRows.Queued request, JsonNode response) {
    OpenAiChatResponse completion;
    try {
      completion = json.treeToValue(response, OpenAiChatResponse.class);
    } catch (RuntimeException e) {
      log.warn("Unreadable cached answer for {}, submitting it: {}", request.id(), e.toString());
      rows.missed(List.of(request.id()));
      return false;
    }
    Instant now = clock.instant();
    NormalizedUsage usage = NormalizedUsage.from(completion.usage());
    Long maxTokens = maxTokens(request.cacheRequest());
    UsageEvent event =
        new UsageEvent(
            UsageEvent.SCHEMA_VERSION,
            Answers.eventId(request.id()),
            now,
            request.requestId() != null ? request.requestId() : request.id().toString(),
            request.tenant(),
            request.app(),
            request.endUser(),
            request.conversationId(),
            request.route(),
            request.requestedModel() != null ? request.requestedModel() : request.model(),
            request.model(),
            request.provider(),
            UsageEvent.Mode.CACHE_EXACT,
            usage.inputTokens(),
            usage.cachedInputTokens(),
            new UsageEvent.CacheWriteTokens(usage.cacheWrite5m(), usage.cacheWrite1h()),
            usage.outputTokens(),
            usage.reasoningTokens(),
            maxTokens,
            maxTokens,
            Math.max(0, Duration.between(request.createdAt(), now).toMillis()),
            UsageEvent.Status.OK,
            completion.finishReason(),
            request.arm().experiment(),
            request.arm().arm(),
            request.arm().routerVersion());
    boolean done =
        rows.answered(request.id(), response.toString(), json.writeValueAsString(event), now);
    if (done) {
      metrics.count(BatchMetrics.Outcome.CACHE_HIT);
    }
    return done;
  }

  private Long maxTokens(String request) {
    JsonNode tree = json.readTree(request);
    for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
      if (tree.path(field).isNumber()) {
        return tree.path(field).asLong();
      }
    }
    return null;
  }
}
