package dev.tokenwise.batch.collect;

import dev.tokenwise.batch.crash.CrashPoint;
import dev.tokenwise.batch.crash.StepHook;
import dev.tokenwise.batch.metrics.BatchMetrics;
import dev.tokenwise.batch.provider.BatchApi;
import dev.tokenwise.batch.provider.BatchApis;
import dev.tokenwise.batch.provider.Provider;
import dev.tokenwise.batch.provider.ResultLine;
import dev.tokenwise.batch.provider.SyncReply;
import dev.tokenwise.common.usage.UsageEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Applies one result line to the requests that share it. Every update is guarded by {@code status =
 * 'submitted'}, so applying a line again (after a crash mid-collect) changes nothing.
 */
@Component
class ResultApplier {

  private static final Logger log = LoggerFactory.getLogger(ResultApplier.class);

  private final CollectStore store;
  private final Answers answers;
  private final BatchApis apis;
  private final CollectProperties properties;
  private final StepHook steps;
  private final Clock clock;
  private final JsonMapper json;
  private final BatchMetrics metrics;

  ResultApplier(
      CollectStore store,
      Answers answers,
      BatchApis apis,
      CollectProperties properties,
      StepHook steps,
      Clock clock,
      JsonMapper json,
      BatchMetrics metrics) {
    this.store = store;
    this.answers = answers;
    this.apis = apis;
    this.properties = properties;
    this.steps = steps;
    this.clock = clock;
    this.json = json;
    this.metrics = metrics;
  }

  private void succeed(UUID id, String result, String answeredBy, String usageEvent, Instant now) {
    if (store.succeed(id, result, answeredBy, usageEvent, now)) {
      metrics.count(
          answeredBy.equals("sync-fallback")
              ? BatchMetrics.Outcome.SYNC_FALLBACK
              : BatchMetrics.Outcome.SUCCEEDED);
    }
  }

  private void fail(UUID id, String reason, String usageEvent, Instant now) {
    if (store.fail(id, reason, usageEvent, now)) {
      metrics.count(BatchMetrics.Outcome.FAILED);
    }
  }

  private void requeue(UUID id, String reason) {
    if (store.requeue(id, reason)) {
      metrics.count(BatchMetrics.Outcome.RESUBMITTED);
    }
  }

  /**
   * Applies a chunk of lines. The mid-collect crash point fires before a chunk once an earlier
   * chunk of the batch is stored, so a crash there leaves the batch part collected.
   */
  void apply(UUID batchId, List<? extends ResultLine> lines) {
    if (store.anyAnswered(batchId)) {
      steps.passed(CrashPoint.MID_COLLECT);
    }
    for (ResultLine line : lines) {
      apply(batchId, line);
    }
  }

  void apply(UUID batchId, ResultLine line) {
    List<PendingRequest> requests = store.pending(batchId, line.customId());
    if (requests.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    if (line.outcome() == ResultLine.Outcome.SUCCEEDED) {
      boolean ownerDone = store.lineOwnerAnswered(batchId, line.customId());
      for (int i = 0; i < requests.size(); i++) {
        PendingRequest request = requests.get(i);
        boolean owner = i == 0 && !ownerDone;
        Answers.Translated answer =
            answers.succeeded(
                request, line.body(), owner ? UsageEvent.Mode.BATCH : UsageEvent.Mode.CACHE_EXACT);
        succeed(
            request.id(),
            answer.result(),
            owner ? "batch" : "batch-duplicate",
            answer.usageEvent(),
            now);
      }
      return;
    }
    for (PendingRequest request : requests) {
      failed(request, line, now);
    }
  }

  private void failed(PendingRequest request, ResultLine line, Instant now) {
    String reason = line.outcome().name().toLowerCase() + ": " + line.reason();
    if (!line.retryable()) {
      fail(request.id(), reason, answers.failed(request), now);
      return;
    }
    boolean deadlineNear =
        request.deadline() != null
            && !request.deadline().minus(properties.syncFallbackMargin()).isAfter(now);
    if (deadlineNear) {
      syncFallback(request, reason, now);
      return;
    }
    if (request.attempts() < properties.resubmissions()) {
      requeue(request.id(), reason);
      return;
    }
    fail(
        request.id(),
        reason + " (after " + (request.attempts() + 1) + " batches)",
        answers.failed(request),
        now);
  }

  /**
   * The client's deadline leaves no time for another batch: answer now at the synchronous price.
   */
  private void syncFallback(PendingRequest request, String reason, Instant now) {
    BatchApi api = apis.of(Provider.of(request.provider()));
    SyncReply reply;
    try {
      reply = api.callSync(request.body());
    } catch (RuntimeException e) {
      log.warn("Synchronous fallback for {} failed: {}", request.id(), e.toString());
      fail(request.id(), reason + "; synchronous fallback failed", answers.failed(request), now);
      return;
    }
    if (!reply.ok()) {
      fail(
          request.id(),
          reason + "; synchronous fallback answered HTTP " + reply.status(),
          answers.failed(request),
          now);
      return;
    }
    try {
      Answers.Translated answer =
          answers.succeeded(request, json.readTree(reply.body()), UsageEvent.Mode.SYNC);
      succeed(request.id(), answer.result(), "sync-fallback", answer.usageEvent(), now);
    } catch (JacksonException e) {
      fail(
          request.id(), reason + "; synchronous fallback unreadable", answers.failed(request), now);
    }
  }
}
