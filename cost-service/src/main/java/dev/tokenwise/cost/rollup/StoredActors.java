package dev.tokenwise.cost.rollup;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The user and conversation rows ({@code cost.usage_actor}) this replica has stored, for the last
 * few hours, so that an active user's second request in an hour does not append its row again. The
 * table has no unique key (readers count distinct actors), so a row appended twice is not refused:
 * it costs its storage and its share of every later count's sort. Most of an hour's events come
 * from users and conversations already seen in it.
 *
 * <p>Only rows whose transaction committed are added (a rolled-back row was never stored), and only
 * hours no older than {@link #HOURS} before now are kept. Retention removes actor rows much later
 * (400 days by default) and tells this set to forget the hours it deleted, so a row remembered here
 * is a row the table holds. Another replica's rows are not known here; they are appended again,
 * which the readers' {@code DISTINCT} makes harmless.
 *
 * <p>A row is remembered as a 64-bit fingerprint of (scope, kind, actor key) in open-addressing
 * sets (at most half full: 16 to 32 bytes a row), bounded at {@code
 * tokenwise.cost.rollup.remembered-actors-per-hour} rows an hour (2^20 by default: 16 MB an hour,
 * and it holds at most four hours). Past the bound an hour keeps its most recent rows, in two
 * generations of half the bound each, rather than its first ones: with no unique key, a row the set
 * forgot is stored again when it recurs, so what matters is remembering the rows likeliest to
 * recur. Two rows sharing a fingerprint (about one chance in 10^13 per lookup at the bound) would
 * skip one row; actor keys are 64-bit hashes already, with the same odds.
 */
final class StoredActors {

  static final int HOURS = 2;

  private final Clock clock;
  private final int maxPerHour;
  private final Map<Long, Generations> byHour = new ConcurrentHashMap<>();
  private volatile long oldest = Long.MAX_VALUE;
  private volatile long newest = Long.MIN_VALUE;

  StoredActors(Clock clock, int maxPerHour) {
    this.clock = clock;
    this.maxPerHour = maxPerHour;
  }

  /** Whether the row is known to be stored; {@code hour} in epoch seconds. */
  boolean contains(long hour, long scope, short kind, long actor) {
    Generations set = byHour.get(hour);
    return set != null && set.contains(fingerprint(scope, kind, actor));
  }

  /**
   * Drops the hours more than {@link #HOURS} before the current one; call before {@link #stored}.
   */
  void forgetOldHours() {
    long current = clock.instant().getEpochSecond() / 3600 * 3600;
    long oldest = current - HOURS * 3600L;
    this.oldest = oldest;
    this.newest = current + 3600;
    byHour.keySet().removeIf(hour -> hour < oldest);
  }

  /**
   * Remembers a row whose insert committed (inserted then, or found there); {@code hour} in epoch
   * seconds. A row of an hour {@link #forgetOldHours} dropped, or of an hour after the next one (a
   * producer's clock ahead, or a made-up time: each such hour would keep a set of its own), is not
   * remembered.
   */
  void stored(long hour, long scope, short kind, long actor) {
    if (hour >= oldest && hour <= newest && maxPerHour > 0) {
      byHour
          .computeIfAbsent(hour, h -> new Generations(maxPerHour))
          .add(fingerprint(scope, kind, actor));
    }
  }

  /** Forgets the rows of the hours before {@code before} (epoch seconds). */
  void forgetBefore(long before) {
    byHour.keySet().removeIf(hour -> hour < before);
  }

  static long fingerprint(long scope, short kind, long actor) {
    long h = mix(mix(scope) ^ actor) + kind;
    return h == 0 ? 1 : h;
  }

  /** MurmurHash3's 64-bit finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  /**
   * An hour's rows in two generations of at most half the bound each: when the newer one is full it
   * becomes the older one and the older one is dropped. So past the bound the set keeps the most
   * recent rows (between half the bound and all of it), which are the ones a repeat is likeliest to
   * hit, in the same memory; a row it no longer holds is appended again.
   */
  private static final class Generations {
    private final int perGeneration;
    private volatile LongSet newer;
    private volatile LongSet older;

    Generations(int max) {
      this.perGeneration = Math.max(1, max / 2);
      this.newer = new LongSet(perGeneration);
    }

    boolean contains(long value) {
      LongSet older = this.older;
      return newer.contains(value) || (older != null && older.contains(value));
    }

    synchronized void add(long value) {
      if (newer.size() >= perGeneration && !newer.contains(value)) {
        older = newer;
        newer = new LongSet(perGeneration);
      }
      newer.add(value);
    }
  }

  /** A set of non-zero longs, open addressing with linear probing, at most half full. */
  private static final class LongSet {
    private final int max;
    private long[] slots = new long[1024];
    private int size;

    LongSet(int max) {
      this.max = max;
    }

    synchronized int size() {
      return size;
    }

    synchronized boolean contains(long value) {
      int mask = slots.length - 1;
      for (int i = (int) mix(value) & mask; ; i = (i + 1) & mask) {
        long slot = slots[i];
        if (slot == value) {
          return true;
        }
        if (slot == 0) {
          return false;
        }
      }
    }

    synchronized void add(long value) {
      if (size >= max) {
        return;
      }
      if ((size + 1) * 2 > slots.length) {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = 0;
        for (long v : old) {
          if (v != 0) {
            insert(v);
          }
        }
      }
      insert(value);
    }

    private void insert(long value) {
      int mask = slots.length - 1;
      for (int i = (int) mix(value) & mask; ; i = (i + 1) & mask) {
        if (slots[i] == value) {
          return;
        }
        if (slots[i] == 0) {
          slots[i] = value;
          size++;
          return;
        }
      }
    }
  }
}
