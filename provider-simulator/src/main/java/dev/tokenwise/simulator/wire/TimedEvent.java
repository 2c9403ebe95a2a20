package dev.tokenwise.simulator.wire;

import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One server-sent event, complete with its terminating blank line, and how long to wait before
 * sending it.
 */
public record TimedEvent(String text, Duration delay) {

  /** An OpenAI-style event: {@code data: <json>} and a blank line, sent after {@code delay}. */
  public static TimedEvent data(String json, Duration delay) {
    return new TimedEvent("data: " + json + "\n\n", delay);
  }

  /** An Anthropic-style named event, sent after {@code delay}. */
  public static TimedEvent named(String name, String json, Duration delay) {
    return new TimedEvent("event: " + name + "\ndata: " + json + "\n\n", delay);
  }

  /** The events' texts, each emitted after its delay. */
  public static Flux<String> play(List<TimedEvent> events) {
    return Flux.fromIterable(events)
        .concatMap(
            event ->
                event.delay().isZero()
                    ? Mono.just(event.text())
                    : Mono.delay(event.delay()).thenReturn(event.text()));
  }
}
