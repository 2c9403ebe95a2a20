package dev.tokenwise.cost.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CsvTests {

  @Test
  void instantsAreWrittenAsIsoWithoutLosingPrecision() {
    SplittableRandom random = new SplittableRandom(7);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 100_000; i++) {
      int nanos =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
          };
      Instant at = Instant.ofEpochSecond(random.nextLong(min, max + 1), nanos);
      String written = Csv.instant(at);
      assertThat(Instant.parse(written)).isEqualTo(at);
      if (nanos == 0) {
        assertThat(written).isEqualTo(at.toString());
      }
    }
  }

  @Test
  void instantsAtTheEdgesOfFourDigitYears() {
    for (String text :
        new String[] {
          "1970-01-01T00:00:00Z",
          "0000-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999999999Z",
          "2026-02-28T23:59:59.000000001Z"
        }) {
      assertThat(Csv.instant(Instant.parse(text))).isEqualTo(text);
    }
    // Outside 0000-9999, Instant's own form (with its sign) is written.
    Instant far = Instant.parse("+10000-01-01T00:00:00Z");
    assertThat(Csv.instant(far)).isEqualTo(far.toString());
    Instant before = Instant.parse("-0001-12-31T23:59:59Z");
    assertThat(Csv.instant(before)).isEqualTo(before.toString());
  }

  @Test
  void quotedDoublesQuotesAndKeepsEmptyStrings() {
    assertThat(Csv.quoted(new StringBuilder(), "plain").toString()).isEqualTo("\"plain\"");
    assertThat(Csv.quoted(new StringBuilder(), "").toString()).isEqualTo("\"\"");
    assertThat(Csv.quoted(new StringBuilder(), "a \"b\", c").toString())
        .isEqualTo("\"a \"\"b\"\", c\"");
  }
}
