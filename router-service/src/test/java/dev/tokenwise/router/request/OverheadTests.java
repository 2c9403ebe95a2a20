package dev.tokenwise.router.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

class OverheadTests {

  @Test
  void overheadHeaderReadsAsMillisecondsWithThreeDecimalsLikeBefore() {
    for (long nanos :
        new long[] {0, 499, 500, 1_499, 9_999, 12_345, 99_500, 999_999, 1_020_297_400L, 7_000}) {
      assertThat(Overhead.millis(nanos))
          .as("%d ns", nanos)
          .isEqualTo(String.format(Locale.ROOT, "%.3f", nanos / 1_000_000.0));
    }
  }

  @Test
  void recordWritesTheHeaderAndTimesTheRequest() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HttpHeaders headers = new HttpHeaders();

    new Overhead(registry).record(headers, System.nanoTime(), 0);

    assertThat(headers.getFirst("Tokenwise-Overhead-Ms")).matches("\\d+\\.\\d{3}");
    assertThat(registry.get("tokenwise.router.overhead").timer().count()).isEqualTo(1);
  }
}
