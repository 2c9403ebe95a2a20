package dev.tokenwise.simulator.quality;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What decides whether an answer is right, read from the prompt alone, so every model that answers
 * right gives the same one.
 */
public final class FinalAnswer {

  /** The kinds of prompts, by what a right answer must get right. */
  public enum Kind {
    /** Options A-E on lines of their own: the letter, on a final line {@code Answer: C}. */
    CHOICE,
    /** Arithmetic or a word problem: the number, on a final line {@code Answer: 42}. */
    NUMBER,
    /** Free text: a reference fact, in a sentence {@code The deciding detail is the <fact>.} */
    FACT
  }

  private static final Pattern OPTION = Pattern.compile("(?m)^\\s*\\(?([A-E])[).:]\\s+\\S");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");
  private static final Pattern EXPRESSION =
      Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*([-+*/×x÷])\\s*(-?\\d+(?:\\.\\d+)?)");
  private static final List<String> NUMERIC_CUES =
      List.of(
          "calculate",
          "compute",
          "how many",
          "how much",
          "sum",
          "total",
          "product",
          "difference",
          "average",
          "percent",
          "solve",
          "how far",
          "how long",
          "how old");

  private static final List<String> QUALITIES =
      List.of(
          "amber", "brisk", "cobalt", "dusty", "early", "faint", "gilded", "hollow", "ivory",
          "jagged", "keen", "lunar", "misty", "narrow", "olive", "quiet");
  private static final List<String> THINGS =
      List.of(
          "ledger", "harbour", "lantern", "orchard", "compass", "meadow", "signal", "quarry",
          "beacon", "cellar", "furnace", "glacier", "anchor", "tunnel", "atlas", "garden");

  private FinalAnswer() {}

  /** The kind of prompt {@code question} is. */
  public static Kind kindOf(String question) {
    if (options(question).size() >= 2) {
      return Kind.CHOICE;
    }
    String lower = question.toLowerCase(Locale.ROOT);
    boolean numbers = NUMBER.matcher(question).find();
    if (numbers
        && (EXPRESSION.matcher(question).find()
            || NUMERIC_CUES.stream().anyMatch(lower::contains))) {
      return Kind.NUMBER;
    }
    return Kind.FACT;
  }

  /**
   * The right final answer: the option a hash of the question picks; the value of the first {@code
   * a op b} in the question, else the sum of its numbers (the simulator does not solve word
   * problems, it only needs one agreed number); a quality-and-thing phrase a hash picks.
   */
  public static String correct(String question) {
    byte[] hash = Hashes.sha256("answer", question);
    return switch (kindOf(question)) {
      case CHOICE -> {
        List<String> letters = options(question);
        yield letters.get(Hashes.index(hash, 0) % letters.size());
      }
      case NUMBER -> format(correctNumber(question));
      case FACT -> fact(Hashes.index(hash, 0) % (QUALITIES.size() * THINGS.size()));
    };
  }

  /**
   * A wrong final answer, never the right one; {@code hash} (of the prompt and the model) picks
   * which, so two models that are wrong need not agree.
   */
  static String wrong(String question, byte[] hash) {
    int pick = Hashes.index(hash, 1);
    return switch (kindOf(question)) {
      case CHOICE -> {
        List<String> letters = options(question);
        int right = letters.indexOf(correct(question));
        yield letters.get((right + 1 + pick % (letters.size() - 1)) % letters.size());
      }
      case NUMBER -> {
        BigDecimal right = correctNumber(question);
        // Off by a plausible slip: 1 to 3 steps of about a tenth of the value, either way.
        BigDecimal step =
            right.abs().divide(BigDecimal.TEN, 0, RoundingMode.HALF_UP).max(BigDecimal.ONE);
        BigDecimal offset = step.multiply(BigDecimal.valueOf(1 + pick % 3));
        yield format((pick & 8) == 0 ? right.add(offset) : right.subtract(offset));
      }
      case FACT -> {
        int facts = QUALITIES.size() * THINGS.size();
        int right = Hashes.index(Hashes.sha256("answer", question), 0) % facts;
        yield fact((right + 1 + pick % (facts - 1)) % facts);
      }
    };
  }

  /** The option letters in the order they appear, without repeats. */
  static List<String> options(String question) {
    List<String> letters = new ArrayList<>();
    Matcher m = OPTION.matcher(question);
    while (m.find()) {
      if (!letters.contains(m.group(1))) {
        letters.add(m.group(1));
      }
    }
    return letters;
  }

  private static BigDecimal correctNumber(String question) {
    Matcher expression = EXPRESSION.matcher(question);
    if (expression.find()) {
      BigDecimal a = new BigDecimal(expression.group(1));
      BigDecimal b = new BigDecimal(expression.group(3));
      switch (expression.group(2)) {
        case "+" -> {
          return a.add(b);
        }
        case "-" -> {
          return a.subtract(b);
        }
        case "*", "×", "x" -> {
          return a.multiply(b);
        }
        default -> {
          if (b.signum() != 0) {
            return a.divide(b, new MathContext(12)).setScale(4, RoundingMode.HALF_UP);
          }
        }
      }
    }
    BigDecimal sum = BigDecimal.ZERO;
    Matcher numbers = NUMBER.matcher(question);
    while (numbers.find()) {
      sum = sum.add(new BigDecimal(numbers.group()));
    }
    return sum;
  }

  private static String format(BigDecimal number) {
    return number.signum() == 0 ? "0" : number.stripTrailingZeros().toPlainString();
  }

  private static String fact(int index) {
    return QUALITIES.get(index / THINGS.size()) + " " + THINGS.get(index % THINGS.size());
  }
}
