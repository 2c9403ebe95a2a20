package dev.tokenwise.router.usage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Replays spooled usage events into the Redis stream every {@code drain-interval}. Events are sent
 * in spool order; the file is rewritten without the delivered ones when Redis fails mid-way, so a
 * crash can at most resend the events since the last rewrite (eventId makes that harmless).
 */
@Component
public class UsageSpoolDrainer implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(UsageSpoolDrainer.class);

  private final UsageSpool spool;
  private final UsagePublisher publisher;
  private final UsageMetrics metrics;
  private final UsageProperties properties;
  private volatile Disposable schedule;
  private boolean redisDown;

  public UsageSpoolDrainer(
      UsageSpool spool,
      UsagePublisher publisher,
      UsageMetrics metrics,
      UsageProperties properties) {
    this.spool = spool;
    this.publisher = publisher;
    this.metrics = metrics;
    this.properties = properties;
  }

  /**
   * Drains every claimed spool file, stopping at the first failure.
   *
   * @return the number of events delivered. Blocks: call off the event loop.
   */
  public synchronized int drainOnce() {
    int delivered = 0;
    for (Path claimed : spool.claim()) {
      List<String> events;
      try {
        events = UsageSpool.read(claimed);
      } catch (IOException e) {
        log.error("Could not read usage spool {}", claimed, e);
        return delivered;
      }
      int sent = 0;
      try {
        for (String event : events) {
          publisher.add(event).block();
          sent++;
          metrics.drained.increment();
        }
      } catch (RuntimeException e) {
        // Once per outage at WARN; every retry after that at DEBUG.
        if (redisDown) {
          log.debug("Redis still unavailable, {} spooled events wait", events.size() - sent);
        } else {
          log.warn(
              "Redis unavailable, {} spooled events wait: {}", events.size() - sent, e.toString());
        }
        redisDown = true;
      }
      delivered += sent;
      try {
        spool.markDelivered(claimed, events, sent);
      } catch (IOException e) {
        log.error("Could not record drain progress in {}", claimed, e);
        return delivered;
      }
      if (sent < events.size()) {
        return delivered;
      }
    }
    redisDown = false;
    if (delivered > 0) {
      log.info("Drained {} spooled usage events into the stream", delivered);
    }
    return delivered;
  }

  @Override
  public void start() {
    schedule =
        Flux.interval(properties.drainInterval(), properties.drainInterval())
            .onBackpressureDrop()
            .concatMap(
                tick ->
                    Mono.fromCallable(this::drainOnce)
                        .subscribeOn(Schedulers.boundedElastic())
                        .onErrorResume(
                            e -> {
                              log.error("Usage spool drain failed", e);
                              return Mono.empty();
                            }))
            .subscribe();
  }

  @Override
  public void stop() {
    Disposable current = schedule;
    if (current != null) {
      current.dispose();
    }
    schedule = null;
  }

  @Override
  public boolean isRunning() {
    return schedule != null;
  }
}
