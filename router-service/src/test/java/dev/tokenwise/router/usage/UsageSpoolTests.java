package dev.tokenwise.router.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageSpoolTests {

  @TempDir Path dir;

  @Test
  void claimedEventsComeBackInOrderAndLaterAppendsStartANewFile() throws Exception {
    UsageSpool spool = spool();
    spool.append("{\"n\":1}");
    spool.append("{\"n\":2}");
    List<Path> claimed = spool.claim();
    assertThat(claimed).hasSize(1);
    spool.append("{\"n\":3}");

    assertThat(UsageSpool.read(claimed.get(0))).containsExactly("{\"n\":1}", "{\"n\":2}");
    assertThat(spool.pending()).isEqualTo(3);
    spool.markDelivered(claimed.get(0), UsageSpool.read(claimed.get(0)), 2);
    assertThat(claimed.get(0)).doesNotExist();

    List<Path> next = spool.claim();
    assertThat(next).hasSize(1);
    assertThat(UsageSpool.read(next.get(0))).containsExactly("{\"n\":3}");
  }

  @Test
  void partlyDeliveredFileKeepsOnlyTheRest() throws Exception {
    UsageSpool spool = spool();
    spool.append("{\"n\":1}");
    spool.append("{\"n\":2}");
    spool.append("{\"n\":3}");
    Path claimed = spool.claim().get(0);
    spool.markDelivered(claimed, UsageSpool.read(claimed), 1);

    List<Path> again = spool.claim();
    assertThat(again).containsExactly(claimed);
    assertThat(UsageSpool.read(claimed)).containsExactly("{\"n\":2}", "{\"n\":3}");
    assertThat(spool.pending()).isEqualTo(2);
    // A restarted router finds the backlog and counts it.
    assertThat(spool().pending()).isEqualTo(2);
  }

  @Test
  void nothingSpooledMeansNothingToClaim() {
    assertThat(spool().claim()).isEmpty();
    assertThat(Files.exists(dir.resolve("usage-events.jsonl"))).isFalse();
  }

  private UsageSpool spool() {
    return new UsageSpool(
        new UsageProperties(dir, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO));
  }
}
