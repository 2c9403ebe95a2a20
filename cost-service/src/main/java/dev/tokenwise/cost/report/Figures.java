package dev.tokenwise.cost.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** How reports write derived figures: money as decimal strings, rates and means as numbers. */
final class Figures {

  private static final MathContext DIVISION = new MathContext(20, RoundingMode.HALF_EVEN);

  private Figures() {}

  /** {@code usd / count} as a money string; null when {@code count} is 0. */
  static String perUnit(BigDecimal usd, long count) {
    if (count == 0) {
      return null;
    }
    return UsageSummary.money(usd.divide(BigDecimal.valueOf(count), DIVISION));
  }

  /** {@code part / whole} rounded to 6 places; null when {@code whole} is 0. */
  static Double rate(double part, double whole) {
    if (whole == 0) {
      return null;
    }
    return round(part / whole, 6);
  }

  /** {@code total / count} rounded to 2 places; null when {@code count} is 0. */
  static Double mean(long total, long count) {
    if (count == 0) {
      return null;
    }
    return round((double) total / count, 2);
  }

  static Double round(Double value, int places) {
    if (value == null) {
      return null;
    }
    return BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_EVEN).doubleValue();
  }
}
