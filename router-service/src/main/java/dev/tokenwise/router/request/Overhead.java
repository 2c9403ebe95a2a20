package dev.tokenwise.router.request;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Time spent inside Tokenwise excluding the provider (LiteLLM's {@code
 * x-litellm-overhead-duration-ms}, TensorZero's overhead metric): the {@code Tokenwise-Overhead-Ms}
 * header and the {@code tokenwise.router.overhead} timer, measured up to when the answer's headers
 * are written.
 */
@Component
public class Overhead {

  private final Timer timer;

  public Overhead(MeterRegistry registry) {
    this.timer =
        Timer.builder("tokenwise.router.overhead")
            .description("Time inside the router, the provider's time excluded")
            .publishPercentileHistogram()
            .register(registry);
  }

  /**
   * Records the overhead of a request that started at {@code startedNanos} and spent {@code
   * providerNanos} waiting for providers, and writes the header.
   */
  public void record(HttpHeaders headers, long startedNanos, long providerNanos) {
    long overhead = Math.max(0, System.nanoTime() - startedNanos - providerNanos);
    timer.record(Duration.ofNanos(overhead));
    headers.set(TokenwiseHeaders.OVERHEAD_MS, millis(overhead));
  }

  /**
   * Nanoseconds as milliseconds with three decimals, rounded half up ({@code "%.3f"}'s output);
   * {@link String#format} parsed its pattern on every request.
   */
  static String millis(long nanos) {
    long micros = (nanos + 500) / 1_000;
    long fraction = micros % 1_000;
    return (micros / 1_000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
  }
}
