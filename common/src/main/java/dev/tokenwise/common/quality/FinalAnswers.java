package dev.tokenwise.common.quality;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The final answer an answer states, for judging two answers to the same question: two answers that
 * reason differently but give the same final answer agree, and two that read almost alike but end
 * in different numbers or option letters do not, which a similarity of the whole texts misses.
 *
 * <p>A final answer is the value of the last {@code Answer: X} line (also {@code Final answer: X},
 * {@code **Answer:** X}), else a number the answer ends with, else an option letter it ends with
 * ({@code ... the answer is (C).}); letters are upper-cased, numbers compared by value ({@code
 * 1,200.50} = {@code 1200.5}), anything else by its lower-cased words. Used by cost-service's
 * shadow judge and by the router's shadow checks of semantic cache hits.
 */
public final class FinalAnswers {

  private static final Pattern ANSWER_LINE =
      Pattern.compile(
          "(?im)^[\\s*_#>-]*(?:final\\s+)?answer\\s*(?:is)?\\s*[*_]*\\s*[:=]\\s*[*_]*\\s*(\\S.*?)\\s*$");
  private static final Pattern TRAILING_NUMBER =
      Pattern.compile("(?<![\\w.,])(-?\\d[\\d,]*(?:\\.\\d+)?)[\\s*_.!)%]*$");
  private static final Pattern TRAILING_OPTION =
      Pattern.compile(
          "(?:(?i:answer is|option|choice)\\s*\\(?([A-E])\\)?|\\(([A-E])\\))[\\s*_.!]*$");
  private static final Pattern OPTION = Pattern.compile("\\(?([A-Ea-e])\\)?(?:[).:]\\s.*)?");
  private static final Pattern NUMBER = Pattern.compile("[$€£]?\\s*(-?\\d[\\d,]*(?:\\.\\d+)?)%?");

  private FinalAnswers() {}

  /** The answer's final answer, normalised, or empty when it states none. */
  public static Optional<String> of(String text) {
    Matcher line = ANSWER_LINE.matcher(text);
    String last = null;
    while (line.find()) {
      last = line.group(1);
    }
    if (last != null) {
      String value = last.replaceAll("[*_`]", "").strip().replaceAll("[.!]+$", "").strip();
      if (!value.isEmpty()) {
        return Optional.of(normalise(value));
      }
    }
    String stripped = text.strip();
    Matcher number = TRAILING_NUMBER.matcher(stripped);
    if (number.find()) {
      return Optional.of(normalise(number.group(1)));
    }
    Matcher option = TRAILING_OPTION.matcher(stripped);
    if (option.find()) {
      return Optional.of(option.group(1) != null ? option.group(1) : option.group(2));
    }
    return Optional.empty();
  }

  /**
   * Whether both texts state a final answer and the two are equal ({@code Optional.of(true)}) or
   * differ ({@code Optional.of(false)}); empty when either states none, so that something else (a
   * similarity of the whole texts) must decide.
   */
  public static Optional<Boolean> agree(String a, String b) {
    Optional<String> first = of(a);
    if (first.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> second = of(b);
    return second.map(value -> value.equals(first.get()));
  }

  private static String normalise(String value) {
    Matcher option = OPTION.matcher(value);
    if (option.matches()) {
      return option.group(1).toUpperCase(java.util.Locale.ROOT);
    }
    Matcher number = NUMBER.matcher(value);
    if (number.matches()) {
      BigDecimal n = new BigDecimal(number.group(1).replace(",", ""));
      return n.signum() == 0 ? "0" : n.stripTrailingZeros().toPlainString();
    }
    return String.join(" ", value.toLowerCase(java.util.Locale.ROOT).split("\\s+"));
  }
}
