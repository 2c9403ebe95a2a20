package dev.tokenwise.common.pricing;

import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageEvent.CacheWriteTokens;
import dev.tokenwise.common.usage.UsageEvent.Mode;
import dev.tokenwise.common.usage.UsageEvent.Status;
import java.time.Instant;
import java.util.UUID;

/** Usage events for pricing tests, with only the fields pricing reads varying. */
final class Events {

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private Events() {}

  static Builder event(String requestedModel, String servedModel) {
    return new Builder(requestedModel, servedModel);
  }

  static final class Builder {
    private final String requested;
    private final String served;
    private Instant occurredAt = NOW;
    private Mode mode = Mode.SYNC;
    private long input;
    private long cached;
    private long write5m;
    private long write1h;
    private long output;
    private long reasoning;
    private Long requestedMax;
    private Long appliedMax;

    Builder(String requested, String served) {
      this.requested = requested;
      this.served = served;
    }

    Builder at(Instant instant) {
      occurredAt = instant;
      return this;
    }

    Builder mode(Mode value) {
      mode = value;
      return this;
    }

    Builder input(long value) {
      input = value;
      return this;
    }

    Builder cached(long value) {
      cached = value;
      return this;
    }

    Builder writes(long ttl5m, long ttl1h) {
      write5m = ttl5m;
      write1h = ttl1h;
      return this;
    }

    Builder output(long value) {
      output = value;
      return this;
    }

    Builder reasoning(long value) {
      reasoning = value;
      return this;
    }

    Builder maxTokens(Long requestedMaxTokens, Long appliedMaxTokens) {
      requestedMax = requestedMaxTokens;
      appliedMax = appliedMaxTokens;
      return this;
    }

    UsageEvent build() {
      return new UsageEvent(
          UsageEvent.SCHEMA_VERSION,
          UUID.nameUUIDFromBytes((requested + served + input + output).getBytes()),
          occurredAt,
          "req-1",
          "acme",
          "app",
          null,
          null,
          "default",
          requested,
          served,
          "test",
          mode,
          input,
          cached,
          new CacheWriteTokens(write5m, write1h),
          output,
          reasoning,
          requestedMax,
          appliedMax,
          120,
          Status.OK,
          "stop");
    }
  }
}
