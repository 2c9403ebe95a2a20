package dev.tokenwise.common.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpendSettlementTests {

  @Test
  void aSettlementTravelsAsPlainStringFields() {
    SpendSettlement settlement =
        new SpendSettlement("req_1", "acme", YearMonth.of(2026, 12), new BigDecimal("0.0000125"));
    Map<String, String> fields = settlement.toFields();
    assertThat(fields)
        .containsExactly(
            Map.entry("requestId", "req_1"),
            Map.entry("tenant", "acme"),
            Map.entry("month", "2026-12"),
            Map.entry("costUsd", "0.0000125"));
    assertThat(SpendSettlement.fromFields(fields)).isEqualTo(settlement);
  }

  @Test
  void anUnknownCostIsAbsentNotZero() {
    SpendSettlement unpriced = new SpendSettlement("req_2", "acme", YearMonth.of(2026, 12), null);
    assertThat(unpriced.toFields()).doesNotContainKey("costUsd");
    assertThat(SpendSettlement.fromFields(unpriced.toFields()).costUsd()).isNull();
  }

  @Test
  void anEntryMissingAFieldIsRejected() {
    assertThatThrownBy(() -> SpendSettlement.fromFields(Map.of("requestId", "req_3")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                SpendSettlement.fromFields(
                    Map.of("requestId", "r", "tenant", "t", "month", "2026-13")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
