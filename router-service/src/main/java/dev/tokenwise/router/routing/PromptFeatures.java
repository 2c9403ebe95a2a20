package dev.tokenwise.router.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Surface features of a prompt for the learned router, beside its sentence embedding: lengths,
 * numbers, the shape of a multiple-choice question (lettered options, their lengths, numeric
 * options, "Statement 1 | Statement 2", roman-numeral combinations, true/false pairs), negations
 * ("NOT", "EXCEPT"), arithmetic and calculation verbs. Computed in microseconds; every value is
 * bounded (logarithms of counts, shares, 0/1 flags).
 */
public final class PromptFeatures {

  /** Identifies this feature set in a trained model file. */
  public static final String ID = "prompt-features/1";

  public static final List<String> NAMES =
      List.of(
          "log-chars",
          "log-question-chars",
          "has-options",
          "log-mean-option-chars",
          "log-max-option-chars",
          "option-length-spread",
          "log-numbers",
          "log-question-numbers",
          "negation",
          "statement-pair",
          "roman-combination",
          "operator",
          "dollar",
          "percent",
          "numeric-options",
          "true-false-pairs",
          "questions",
          "log-lines",
          "which-of-the-following",
          "calculation-verb",
          "log-capitalised-words",
          "all-none-both");

  private static final Pattern OPTION = Pattern.compile("^[A-D][.)] ");
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");
  private static final Pattern NEGATION = Pattern.compile("\\b(NOT|EXCEPT|LEAST|false)\\b");
  private static final Pattern ROMAN = Pattern.compile("\\b(I only|II only|I and II|I, II)\\b");
  private static final Pattern OPERATOR = Pattern.compile("[=+*/^]");
  private static final Pattern NUMERIC_OPTION = Pattern.compile("^-?\\d+(\\.\\d+)?$");
  private static final Pattern TRUE_FALSE =
      Pattern.compile("(True, True|False, False|True, False|False, True)");
  private static final Pattern WHICH =
      Pattern.compile("\\bwhich of the following\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern CALCULATE =
      Pattern.compile(
          "\\b(calculate|compute|how many|how much|what is the value)\\b",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern CAPITALISED = Pattern.compile("[A-Z][a-z]+");
  private static final Pattern ALL_NONE_BOTH =
      Pattern.compile("All of the above|None of the above|Both");

  private PromptFeatures() {}

  /** The features of one prompt, in the order of {@link #NAMES}. */
  public static double[] of(String prompt) {
    String[] lines = prompt.split("\n", -1);
    List<String> options = new ArrayList<>();
    StringBuilder question = new StringBuilder();
    for (String line : lines) {
      if (OPTION.matcher(line).find()) {
        options.add(line);
      } else if (!line.equals("Answer:")) {
        if (!question.isEmpty()) {
          question.append('\n');
        }
        question.append(line);
      }
    }
    String q = question.toString();
    double meanOption = 0;
    double maxOption = 0;
    double numericOptions = 0;
    for (String option : options) {
      meanOption += option.length();
      maxOption = Math.max(maxOption, option.length());
      String value = option.substring(3).strip();
      if (NUMERIC_OPTION.matcher(value).matches()) {
        numericOptions++;
      }
    }
    double spread = 0;
    if (!options.isEmpty()) {
      meanOption /= options.size();
      double variance = 0;
      for (String option : options) {
        variance += (option.length() - meanOption) * (option.length() - meanOption);
      }
      spread = Math.sqrt(variance / options.size()) / (meanOption + 1);
      numericOptions /= options.size();
    }
    return new double[] {
      Math.log1p(prompt.length()),
      Math.log1p(q.length()),
      options.isEmpty() ? 0 : 1,
      Math.log1p(meanOption),
      Math.log1p(maxOption),
      spread,
      Math.log1p(count(NUMBER, prompt)),
      Math.log1p(count(NUMBER, q)),
      flag(NEGATION, prompt),
      prompt.contains("Statement 1") ? 1 : 0,
      flag(ROMAN, prompt),
      flag(OPERATOR, q),
      prompt.indexOf('$') >= 0 ? 1 : 0,
      prompt.indexOf('%') >= 0 ? 1 : 0,
      numericOptions,
      flag(TRUE_FALSE, prompt),
      Math.min(10, prompt.chars().filter(c -> c == '?').count()),
      Math.log1p(lines.length),
      flag(WHICH, prompt),
      flag(CALCULATE, prompt),
      Math.log1p(count(CAPITALISED, q)),
      flag(ALL_NONE_BOTH, prompt)
    };
  }

  private static double flag(Pattern pattern, String text) {
    return pattern.matcher(text).find() ? 1 : 0;
  }

  private static int count(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    int count = 0;
    while (matcher.find()) {
      count++;
    }
    return count;
  }
}
