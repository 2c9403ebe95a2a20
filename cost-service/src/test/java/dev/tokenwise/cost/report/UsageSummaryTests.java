package dev.tokenwise.cost.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class UsageSummaryTests {

  @Test
  void writesMoneyAsAPlainDecimalRoundedOnceToTenPlaces() {
    assertThat(UsageSummary.money(new BigDecimal("0.00012345"))).isEqualTo("0.00012345");
    assertThat(UsageSummary.money(new BigDecimal("1E-7"))).isEqualTo("0.0000001");
    assertThat(UsageSummary.money(new BigDecimal("0.000000000049"))).isEqualTo("0");
    assertThat(UsageSummary.money(new BigDecimal("0.00000000015"))).isEqualTo("0.0000000002");
    assertThat(UsageSummary.money(new BigDecimal("12.5000"))).isEqualTo("12.5");
    assertThat(UsageSummary.money(BigDecimal.ZERO)).isEqualTo("0");
  }
}
