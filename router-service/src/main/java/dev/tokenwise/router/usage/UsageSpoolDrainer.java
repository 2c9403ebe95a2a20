package dev.tokenwise.router.usage;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
 *
 * <p>When the router stops, once the web server has stopped and finished its requests (this
 * lifecycle's phase is below the server's), it keeps replaying what is still spooled for up to
 * {@code shutdown-drain}: a spool on a volume that goes with the process (a pod's {@code emptyDir})
 * is emptied into the stream before it goes whenever Redis is back by then. What is still spooled
 * after that stays on disk for the next router started on the same directory, and is logged.
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

  /**
   * Stopped after the web server (whose graceful shutdown is at {@code DEFAULT_PHASE - 1024}) and
   * before the Redis connections, which close when the beans are destroyed after every lifecycle.
   */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  @Override
  public int getPhase() {
    return PHASE;
  }

  @Override
  public void stop() {
    Disposable current = schedule;
    if (current != null) {
      current.dispose();
    }
    schedule = null;
    drainBeforeExit();
  }

  /** The last replays, until the spool is empty or {@code shutdown-drain} has passed. */
  void drainBeforeExit() {
    long budget = properties.shutdownDrain().toNanos();
    if (budget == 0 || spool.pending() == 0) {
      return;
    }
    long deadline = System.nanoTime() + budget;
    long waiting = spool.pending();
    log.info("Stopping: replaying {} spooled usage events into the stream", waiting);
    while (true) {
      try {
        drainOnce();
      } catch (RuntimeException e) {
        log.debug("Usage spool drain at shutdown failed: {}", e.toString());
      }
      long left = deadline - System.nanoTime();
      if (spool.pending() == 0 || left <= 0) {
        break;
      }
      try {
        Thread.sleep(Math.max(1, Math.min(Duration.ofSeconds(1).toMillis(), left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (spool.pending() > 0) {
      log.error(
          "Stopping with {} usage events still spooled in {}: a router started on this directory"
              + " replays them; if the directory goes with this process, they are lost",
          spool.pending(),
          properties.spoolDir());
    }
  }

  @Override
  public boolean isRunning() {
    return schedule != null;
  }
}
