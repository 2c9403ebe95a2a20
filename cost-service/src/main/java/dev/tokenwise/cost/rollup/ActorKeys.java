package dev.tokenwise.cost.rollup;

import java.util.Arrays;

/**
 * A set of 64-bit actor keys ({@link RollupStore#actorKey}) being gathered for one pending rollup
 * row or one {@code cost.usage_actor_set} row: appended freely, sorted and made distinct when
 * written. Mutable; confined to one ingest batch or one fold.
 */
final class ActorKeys {

  private long[] keys = new long[8];
  private int size;
  private boolean sorted = true;

  void add(long key) {
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
    }
    if (size > 0 && keys[size - 1] >= key) {
      sorted = false;
    }
    keys[size++] = key;
  }

  /** Adds every key of a PostgreSQL {@code bigint[]} literal such as {@code {-3,7}}. */
  void addLiteral(String literal) {
    int at = 1;
    int end = literal.length() - 1;
    while (at < end) {
      int next = at;
      while (next < end && literal.charAt(next) != ',') {
        next++;
      }
      add(Long.parseLong(literal, at, next, 10));
      at = next + 1;
    }
  }

  /** The distinct keys, ascending. */
  long[] distinct() {
    if (!sorted) {
      Arrays.sort(keys, 0, size);
      int kept = 0;
      for (int i = 0; i < size; i++) {
        if (kept == 0 || keys[kept - 1] != keys[i]) {
          keys[kept++] = keys[i];
        }
      }
      size = kept;
      sorted = true;
    }
    return Arrays.copyOf(keys, size);
  }

  /** Appends the distinct keys, ascending, as a PostgreSQL array literal: {@code {-3,7}}. */
  StringBuilder appendLiteral(StringBuilder out) {
    long[] distinct = distinct();
    out.append('{');
    for (int i = 0; i < distinct.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(distinct[i]);
    }
    return out.append('}');
  }
}
