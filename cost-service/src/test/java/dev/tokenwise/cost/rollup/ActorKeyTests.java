package dev.tokenwise.cost.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Actor keys are the first 8 bytes of the id's MD5, signed big-endian: what V9 computes in SQL with
 * {@code ('x' || substr(md5(actor), 1, 16))::bit(64)::bigint} for rows stored before it.
 */
class ActorKeyTests {

  @Test
  void matchesTheMigrationsSqlForTheSameId() {
    // md5("u-hash") starts a4355d4afdfdecbb; md5("conversation-42") starts 1dda1afc2c88fc66
    assertThat(RollupStore.actorKey("u-hash")).isEqualTo(-6614277901053465413L);
    assertThat(RollupStore.actorKey("conversation-42")).isEqualTo(2151061442404088934L);
  }

  @Test
  void scopesAreLengthPrefixedUtf8Md5() {
    // md5("4:acme3:web7:support10:gpt-5-mini") and md5("9:tenant-\u00fc0:0:0:") in UTF-8, first 8
    // bytes
    assertThat(RollupStore.scope("acme", "web", "support", "gpt-5-mini"))
        .isEqualTo(6002372052936251580L);
    assertThat(RollupStore.scope("tenant-\u00fc", "", "", "")).isEqualTo(-3267902034467094581L);
    // Length prefixes keep a boundary shift from colliding.
    assertThat(RollupStore.scope("ab", "c", "", ""))
        .isNotEqualTo(RollupStore.scope("a", "bc", "", ""));
  }
}
