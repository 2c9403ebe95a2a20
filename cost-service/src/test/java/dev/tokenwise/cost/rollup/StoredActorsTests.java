package dev.tokenwise.cost.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StoredActorsTests {

  private static final Instant NOW = Instant.parse("2026-12-07T15:20:00Z");
  private static final long HOUR = NOW.getEpochSecond() / 3600 * 3600;

  private static final int MAX = 1 << 18;

  private final StoredActors actors = new StoredActors(Clock.fixed(NOW, ZoneOffset.UTC), MAX);

  /** As ingest calls it after a commit. */
  private void stored(long[] hours, long[] scopes, short[] kinds, long[] keys, int n) {
    actors.forgetOldHours();
    for (int i = 0; i < n; i++) {
      actors.stored(hours[i], scopes[i], kinds[i], keys[i]);
    }
  }

  @Test
  void remembersCommittedRowsOfRecentHoursOnly() {
    long old = HOUR - (StoredActors.HOURS + 1) * 3600L;
    stored(
        new long[] {HOUR, HOUR - 3600, old},
        new long[] {7, 7, 7},
        new short[] {1, 2, 1},
        new long[] {42, 42, 42},
        3);

    assertThat(actors.contains(HOUR, 7, (short) 1, 42)).isTrue();
    assertThat(actors.contains(HOUR - 3600, 7, (short) 2, 42)).isTrue();
    assertThat(actors.contains(old, 7, (short) 1, 42)).as("too old to keep").isFalse();
    // Any coordinate that differs is another row.
    assertThat(actors.contains(HOUR, 7, (short) 2, 42)).isFalse();
    assertThat(actors.contains(HOUR, 8, (short) 1, 42)).isFalse();
    assertThat(actors.contains(HOUR, 7, (short) 1, 43)).isFalse();
    assertThat(actors.contains(HOUR + 3600, 7, (short) 1, 42)).isFalse();
  }

  @Test
  void remembersTheNextHourButNoLaterOne() {
    long next = HOUR + 3600;
    long later = HOUR + 2 * 3600;
    stored(new long[] {next, later}, new long[] {1, 1}, new short[] {1, 1}, new long[] {9, 9}, 2);

    assertThat(actors.contains(next, 1, (short) 1, 9)).isTrue();
    assertThat(actors.contains(later, 1, (short) 1, 9)).isFalse();
  }

  @Test
  void forgetsTheHoursRetentionDeleted() {
    stored(
        new long[] {HOUR, HOUR - 3600},
        new long[] {1, 1},
        new short[] {1, 1},
        new long[] {5, 5},
        2);

    actors.forgetBefore(HOUR);

    assertThat(actors.contains(HOUR - 3600, 1, (short) 1, 5)).isFalse();
    assertThat(actors.contains(HOUR, 1, (short) 1, 5)).isTrue();
  }

  @Test
  void holdsEveryRowAsItGrowsAndAnswersNoForOthers() {
    SplittableRandom random = new SplittableRandom(3);
    int n = 200_000;
    long[] hours = new long[n];
    long[] scopes = new long[n];
    short[] kinds = new short[n];
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      hours[i] = HOUR;
      scopes[i] = random.nextInt(1200);
      kinds[i] = (short) (1 + random.nextInt(2));
      keys[i] = random.nextLong();
    }
    stored(hours, scopes, kinds, keys, n);

    for (int i = 0; i < n; i++) {
      assertThat(actors.contains(hours[i], scopes[i], kinds[i], keys[i])).isTrue();
    }
    int falseHits = 0;
    for (int i = 0; i < n; i++) {
      if (actors.contains(HOUR, random.nextInt(1200), (short) 1, random.nextLong())) {
        falseHits++;
      }
    }
    assertThat(falseHits).isZero();
  }

  @Test
  void pastItsBoundKeepsTheMostRecentRows() {
    // Generations of MAX / 2 rows: after 2 x MAX + 1,000 rows the older one holds rows
    // [1.5 x MAX, 2 x MAX) and the newer one the last 1,000.
    int n = 2 * MAX + 1000;
    long[] hours = new long[n];
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      hours[i] = HOUR;
      keys[i] = i;
    }
    stored(hours, new long[n], new short[n], keys, n);

    assertThat(actors.contains(HOUR, 0, (short) 0, n - 1L)).isTrue();
    assertThat(actors.contains(HOUR, 0, (short) 0, 2L * MAX)).isTrue();
    assertThat(actors.contains(HOUR, 0, (short) 0, 2L * MAX - 1)).isTrue();
    assertThat(actors.contains(HOUR, 0, (short) 0, 3L * MAX / 2)).isTrue();
    // Older rows are forgotten: stored again if they recur, which the readers' DISTINCT absorbs.
    assertThat(actors.contains(HOUR, 0, (short) 0, 3L * MAX / 2 - 1)).isFalse();
    assertThat(actors.contains(HOUR, 0, (short) 0, 0)).isFalse();
  }

  @Test
  void aRecurringRowIsKeptAcrossGenerations() {
    // Row 7 recurs every 1,000 rows: it is stored again into each newer generation and never
    // forgotten, while rows seen once age out.
    actors.forgetOldHours();
    for (int i = 0; i < 2 * MAX; i++) {
      actors.stored(HOUR, 0, (short) 1, i % 1000 == 0 ? 7 : 1_000_000L + i);
    }
    assertThat(actors.contains(HOUR, 0, (short) 1, 7)).isTrue();
    assertThat(actors.contains(HOUR, 0, (short) 1, 1_000_001L)).isFalse();
  }
}
