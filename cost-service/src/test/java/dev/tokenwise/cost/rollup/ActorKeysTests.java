package dev.tokenwise.cost.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Keys gathered in any order come out sorted and distinct, as PostgreSQL array literals. */
class ActorKeysTests {

  @Test
  void writesTheDistinctKeysAscending() {
    ActorKeys keys = new ActorKeys();
    for (long key : new long[] {7, -3, 7, Long.MIN_VALUE, 0, -3, Long.MAX_VALUE}) {
      keys.add(key);
    }

    assertThat(keys.appendLiteral(new StringBuilder()).toString())
        .isEqualTo("{-9223372036854775808,-3,0,7,9223372036854775807}");
  }

  @Test
  void readsWhatItWritesAndUnionsWithWhatItHolds() {
    ActorKeys keys = new ActorKeys();
    keys.addLiteral("{-9223372036854775808,-3,12}");
    keys.addLiteral("{}");
    keys.addLiteral("{12,40}");
    keys.add(-3);

    assertThat(keys.distinct()).containsExactly(Long.MIN_VALUE, -3, 12, 40);
    assertThat(new ActorKeys().appendLiteral(new StringBuilder()).toString()).isEqualTo("{}");
  }
}
