package dev.tokenwise.router.routing;

import java.time.Duration;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A background step repeated at a fixed interval: one step at a time (a tick that comes while a
 * step still runs is dropped), and a failed step only waits for the next tick.
 */
public final class Polling {

  private Polling() {}

  /** Runs {@code step} after {@code first}, then every {@code interval}, until disposed. */
  public static Disposable every(Duration first, Duration interval, Supplier<Mono<?>> step) {
    return Flux.interval(first, interval)
        .onBackpressureDrop()
        .concatMap(tick -> step.get().onErrorResume(e -> Mono.empty()), 1)
        .subscribe();
  }
}
