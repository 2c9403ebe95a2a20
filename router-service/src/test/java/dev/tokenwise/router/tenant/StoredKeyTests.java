package dev.tokenwise.router.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredKeyTests {

  private static final String HASH = "ab".repeat(32);

  @Test
  void aKeyWithoutEndWorksAndIsNamedByItsHashPrefix() {
    StoredKey key = StoredKey.of(HASH, fields());
    assertThat(key.id()).isEqualTo("key_abababababababab");
    assertThat(key.refusal(Long.MAX_VALUE)).isNull();
    assertThat(key.tenant().rateLimit().burstCapacity()).isEqualTo(4);
  }

  @Test
  void aRevokedKeyIsRefusedSayingSoBeforeItsExpiry() {
    Map<String, String> fields = fields();
    fields.put("expiresAt", "1000");
    fields.put("revokedAt", "500");
    assertThat(StoredKey.of(HASH, fields).refusal(2000).code()).isEqualTo("api_key_revoked");
  }

  @Test
  void aKeyIsRefusedFromItsExpiryOnNamingIt() {
    Map<String, String> fields = fields();
    fields.put("expiresAt", "1000");
    StoredKey key = StoredKey.of(HASH, fields);
    assertThat(key.refusal(999)).isNull();
    assertThat(key.refusal(1000).code()).isEqualTo("api_key_expired");
    assertThat(key.refusal(1000).getMessage()).contains("expired at 1970-01-01T00:00:01Z");
    assertThat(key.refusal(1000).status().value()).isEqualTo(401);
  }

  @Test
  void aRotatedKeyWorksUntilTheEarlierOfItsOverlapAndItsExpiry() {
    Map<String, String> fields = fields();
    fields.put("expiresAt", "5000");
    fields.put("rotatedTo", "key_0123456789abcdef");
    fields.put("overlapEndsAt", "3000");
    StoredKey key = StoredKey.of(HASH, fields);
    assertThat(key.notAfter().toEpochMilli()).isEqualTo(3000);
    assertThat(key.refusal(2999)).isNull();
    assertThat(key.refusal(3000).getMessage()).contains("key_0123456789abcdef");
  }

  private static Map<String, String> fields() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("tenant", "acme");
    fields.put("routes", "");
    fields.put("models", "gpt-5-mini");
    fields.put("replenishRate", "2");
    fields.put("burstCapacity", "4");
    return fields;
  }
}
