package dev.tokenwise.cost.rollup;

/** CSV for PostgreSQL's {@code COPY ... (FORMAT csv)}. */
public final class Csv {

  private Csv() {}

  /**
   * Appends {@code value} quoted, doubling its quotes: a quoted empty string stays an empty string,
   * where an unquoted empty field is NULL.
   */
  public static StringBuilder quoted(StringBuilder csv, String value) {
    csv.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"') {
        csv.append('"');
      }
      csv.append(c);
    }
    return csv.append('"');
  }
}
