package dev.tokenwise.cost.rollup;

import java.time.Instant;
import java.time.LocalDate;

/** CSV for PostgreSQL's {@code COPY ... (FORMAT csv)}. */
public final class Csv {

  private Csv() {}

  /**
   * Appends {@code value} quoted, doubling its quotes: a quoted empty string stays an empty string,
   * where an unquoted empty field is NULL.
   */
  public static StringBuilder quoted(StringBuilder csv, String value) {
    csv.append('"');
    if (value.indexOf('"') < 0) {
      // The common case, appended whole rather than a character at a time.
      return csv.append(value).append('"');
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"') {
        csv.append('"');
      }
      csv.append(c);
    }
    return csv.append('"');
  }

  /** The first instant of year 0000 and of year 10000: outside, ISO-8601 needs a sign. */
  private static final long YEAR_0 = LocalDate.of(0, 1, 1).toEpochDay() * 86_400;

  private static final long YEAR_10000 = LocalDate.of(10_000, 1, 1).toEpochDay() * 86_400;

  /**
   * Appends {@code at} in ISO-8601 with a {@code Z} offset, as {@link Instant#toString()} would
   * write it for years 0000 to 9999 (the fraction in nine digits, which is the same instant), by
   * arithmetic rather than through a formatter: ingest writes one or two per event.
   */
  public static StringBuilder instant(StringBuilder csv, Instant at) {
    long seconds = at.getEpochSecond();
    if (seconds < YEAR_0 || seconds >= YEAR_10000) {
      return csv.append(at);
    }
    long days = Math.floorDiv(seconds, 86_400);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400);
    LocalDate date = LocalDate.ofEpochDay(days);
    digits(csv, date.getYear(), 4).append('-');
    digits(csv, date.getMonthValue(), 2).append('-');
    digits(csv, date.getDayOfMonth(), 2).append('T');
    digits(csv, secondOfDay / 3600, 2).append(':');
    digits(csv, secondOfDay / 60 % 60, 2).append(':');
    digits(csv, secondOfDay % 60, 2);
    if (at.getNano() != 0) {
      digits(csv.append('.'), at.getNano(), 9);
    }
    return csv.append('Z');
  }

  /** {@link #instant(StringBuilder, Instant)} as a string. */
  public static String instant(Instant at) {
    return instant(new StringBuilder(30), at).toString();
  }

  private static StringBuilder digits(StringBuilder out, int value, int width) {
    for (int divisor = pow10(width - 1); divisor > 0; divisor /= 10) {
      out.append((char) ('0' + value / divisor % 10));
    }
    return out;
  }

  private static int pow10(int n) {
    int p = 1;
    for (int i = 0; i < n; i++) {
      p *= 10;
    }
    return p;
  }
}
