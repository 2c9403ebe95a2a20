package dev.tokenwise.simulator.quality;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How hard a prompt is, 0 (trivial) to 1: half from what a router could see in the text (length,
 * numbers, reasoning words, several parts, code), half hidden in a hash of it, as real prompts are
 * harder or easier than they look.
 *
 * @param visible the surface-feature part, 0..1
 * @param hidden the hashed part, uniform in [0, 1)
 */
public record Difficulty(double visible, double hidden) {

  static final double VISIBLE_WEIGHT = 0.5;

  private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)?");
  private static final Pattern WORD = Pattern.compile("\\S+");
  private static final List<String> REASONING =
      List.of(
          "prove",
          "calculate",
          "compute",
          "step",
          "derive",
          "why",
          "explain",
          "solve",
          "estimate",
          "analy",
          "compare",
          "optimi",
          "justify",
          "evaluate",
          "trade-off");

  /** Enumerated parts: lines starting {@code 1.}, {@code 2)}, {@code (a)}, {@code b)}, … */
  private static final Pattern PART = Pattern.compile("(?m)^\\s*(?:\\d+[.)]|\\(?[a-h]\\))\\s+\\S");

  private static final Pattern CODE =
      Pattern.compile(
          "```|\\b(?:def|class|function|public|return|import|SELECT|const|var)\\b.*[;:{(]|[{};]\\s*$",
          Pattern.MULTILINE);

  /** The difficulty of a prompt whose question is {@code text}. */
  public static Difficulty of(String text) {
    return new Difficulty(visible(text), Hashes.uniform(Hashes.sha256("difficulty", text), 0));
  }

  /** The combined difficulty, 0..1. */
  public double value() {
    return VISIBLE_WEIGHT * visible + (1 - VISIBLE_WEIGHT) * hidden;
  }

  /** What surface features say: each adds its share, capped, to at most 1. */
  static double visible(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    double words = count(WORD.matcher(text));
    double numbers = count(NUMBER.matcher(text));
    double reasoning = REASONING.stream().filter(lower::contains).count();
    long questions = text.chars().filter(c -> c == '?').count();
    boolean multiPart = questions > 1 || count(PART.matcher(text)) >= 2;
    boolean code = CODE.matcher(text).find();
    double v =
        0.25 * Math.min(1, words / 150)
            + 0.15 * Math.min(1, numbers / 5)
            + 0.25 * Math.min(1, reasoning / 3)
            + (multiPart ? 0.15 : 0)
            + (code ? 0.2 : 0);
    return Math.min(1, v);
  }

  private static int count(Matcher matcher) {
    int n = 0;
    while (matcher.find()) {
      n++;
    }
    return n;
  }
}
