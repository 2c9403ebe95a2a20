package dev.tokenwise.router.usage;

import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.request.Deadlines;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends usage events to the Redis stream ({@link UsageStream#KEY}, field {@link
 * UsageStream#FIELD}), with the producing request's W3C {@code traceparent} beside it ({@link
 * UsageStream#TRACEPARENT}) when the request is traced, so cost-service's ingest joins its trace.
 * Every entry is signed as router-service ({@link StreamSignatures}); cost-service refuses an
 * unsigned one. When Redis refuses or is slow the event goes to the {@link UsageSpool} instead, and
 * {@link UsageSpoolDrainer} replays it later. Delivery is at-least-once: an XADD that timed out may
 * still have landed, and cost-service dedupes on {@code eventId}.
 */
@Component
public class UsagePublisher {

  private static final Logger log = LoggerFactory.getLogger(UsagePublisher.class);

  private final ReactiveStringRedisTemplate redis;
  private final ObjectWriter eventWriter;
  private final UsageSpool spool;
  private final UsageMetrics metrics;
  private final Duration timeout;
  private final ObjectProvider<UsageListener> listenerBeans;
  private volatile List<UsageListener> listeners;
  private final StreamSignatures signatures;

  public UsagePublisher(
      ReactiveStringRedisTemplate redis,
      JsonMapper json,
      UsageSpool spool,
      UsageMetrics metrics,
      UsageProperties properties,
      ObjectProvider<UsageListener> listeners,
      StreamSignatures signatures) {
    this.listenerBeans = listeners;
    this.signatures = signatures;
    this.redis = redis;
    // resolved once: the mapper's per-call lookup of the root serializer showed in profiles
    this.eventWriter = json.writerFor(UsageEvent.class);
    this.spool = spool;
    this.metrics = metrics;
    this.timeout = properties.publishTimeout();
  }

  /**
   * Publishes in the background; the caller's response does not wait for Redis. The {@link
   * UsageListener}s (the token rate limit's settlement) hear of it at once.
   */
  public void publish(UsageEvent event) {
    publish(event, null);
  }

  /**
   * Publishes in the background with the producing request's {@code traceparent} (null when the
   * request is not traced).
   */
  public void publish(UsageEvent event, String traceparent) {
    for (UsageListener listener : listeners()) {
      listener.onUsage(event);
    }
    deliver(event, traceparent).subscribe();
  }

  /**
   * The usage reporter of one stream: the first call publishes one {@code stream} event with the
   * given status, later calls do nothing (a stream ends once, whether it completes, fails or the
   * client leaves), handed to {@code publish}. Counting the tokens runs off the event loop.
   */
  public Consumer<UsageEvent.Status> streamReporter(
      UsageEvents.Request facts,
      Supplier<String> servedModel,
      Supplier<String> provider,
      Callable<NormalizedUsage> tokens,
      Supplier<String> finishReason,
      Consumer<UsageEvent> publish) {
    AtomicBoolean reported = new AtomicBoolean();
    return status -> {
      if (reported.compareAndSet(false, true)) {
        Mono.fromCallable(tokens)
            .subscribeOn(Schedulers.parallel())
            .map(
                counted ->
                    UsageEvents.answered(
                        facts,
                        servedModel.get(),
                        provider.get(),
                        UsageEvent.Mode.STREAM,
                        counted,
                        status,
                        finishReason.get()))
            .subscribe(publish);
      }
    };
  }

  /** Resolved on first use: a listener may itself depend on this publisher. */
  private List<UsageListener> listeners() {
    List<UsageListener> known = listeners;
    if (known == null) {
      known = listenerBeans.orderedStream().toList();
      listeners = known;
    }
    return known;
  }

  /** Completes once the event is in the stream or durably spooled; never errors. */
  public Mono<Void> deliver(UsageEvent event) {
    return deliver(event, null);
  }

  /**
   * Completes once the event is in the stream, with {@code traceparent} beside it when not null, or
   * durably spooled (without it: a replayed event is not part of a live trace); never errors.
   */
  public Mono<Void> deliver(UsageEvent event, String traceparent) {
    metrics.record(event);
    String payload = eventWriter.writeValueAsString(event);
    return add(payload, traceparent)
        .doOnSuccess(id -> metrics.published.increment())
        .then()
        .onErrorResume(
            e -> {
              log.warn(
                  "Usage event {} not delivered to Redis ({}); spooling it",
                  event.eventId(),
                  e.toString());
              return Mono.fromRunnable(() -> spool.append(payload))
                  .subscribeOn(Schedulers.boundedElastic())
                  .doOnSuccess(v -> metrics.spooled.increment())
                  .onErrorResume(
                      spoolError -> {
                        metrics.lost.increment();
                        log.error(
                            "Usage event {} lost: Redis and the spool both failed",
                            event.eventId(),
                            spoolError);
                        return Mono.empty();
                      })
                  .then();
            });
  }

  /** One XADD of an event's JSON, bounded by the publish timeout. */
  Mono<RecordId> add(String payload) {
    return add(payload, null);
  }

  private Mono<RecordId> add(String payload, String traceparent) {
    Map<String, String> fields =
        traceparent == null
            ? Map.of(UsageStream.FIELD, payload)
            : Map.of(UsageStream.FIELD, payload, UsageStream.TRACEPARENT, traceparent);
    return Deadlines.within(
        redis
            .opsForStream()
            .add(
                StreamRecords.string(signatures.sign(UsageStream.KEY, fields))
                    .withStreamKey(UsageStream.KEY)),
        timeout);
  }
}
