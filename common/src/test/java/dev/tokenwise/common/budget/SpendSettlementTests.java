package dev.tokenwise.common.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
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

  @Test
  void oneEntryCarriesManySettlementsAndReadsBackTheSame() {
    List<SpendSettlement> settlements = new ArrayList<>();
    for (int i = 0; i < SpendSettlement.MAX_PER_ENTRY; i++) {
      settlements.add(
          new SpendSettlement(
              "req \"" + i + "\"\n",
              "acme",
              YearMonth.of(2026, 12),
              i % 7 == 0 ? null : new BigDecimal("0.00001").multiply(BigDecimal.valueOf(i))));
    }
    Map<String, String> fields = SpendSettlement.batchFields(settlements);
    assertThat(fields).containsOnlyKeys(SpendSettlement.BATCH_FIELD);
    assertThat(SpendSettlement.fromEntry(fields)).isEqualTo(settlements);
    // A single settlement's entry reads as a list of one.
    assertThat(SpendSettlement.fromEntry(settlements.get(1).toFields()))
        .containsExactly(settlements.get(1));
  }

  @Test
  void aMalformedBatchIsRejectedWhole() {
    SpendSettlement good = new SpendSettlement("r", "t", YearMonth.of(2026, 12), BigDecimal.ONE);
    for (String batch :
        List.of(
            "not json",
            "{}",
            "[]",
            "[1]",
            "[{\"requestId\":\"r\",\"tenant\":\"t\",\"month\":\"2026-13\"}]",
            "[{\"requestId\":\"r\",\"tenant\":\"t\",\"month\":\"2026-12\",\"costUsd\":1}]",
            "["
                + SpendSettlement.batchFields(List.of(good)).get(SpendSettlement.BATCH_FIELD)
                + "]")) {
      assertThatThrownBy(
              () -> SpendSettlement.fromEntry(Map.of(SpendSettlement.BATCH_FIELD, batch)))
          .as(batch)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> SpendSettlement.batchFields(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                SpendSettlement.batchFields(
                    java.util.Collections.nCopies(SpendSettlement.MAX_PER_ENTRY + 1, good)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theMonthOfAnInstantIsItsUtcMonth() {
    for (String at :
        List.of(
            "2026-11-30T23:59:59.999Z",
            "2026-12-01T00:00:00Z",
            "2024-02-29T12:00:00Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z")) {
      java.time.Instant instant = java.time.Instant.parse(at);
      assertThat(SpendSettlement.monthOf(instant))
          .as(at)
          .isEqualTo(YearMonth.from(instant.atZone(java.time.ZoneOffset.UTC)));
    }
  }
}
