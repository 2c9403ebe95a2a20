package dev.tokenwise.cache.semantic;

import java.util.regex.Pattern;

/**
 * Questions whose answer depends on when they are asked ("today", "latest", "current", a date): an
 * answer cached an hour ago may already be wrong, and a paraphrase asked tomorrow certainly is.
 */
final class TimeSensitivity {

  private static final String MONTHS =
      "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
          + "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

  private static final Pattern TIME_SENSITIVE =
      Pattern.compile(
          "\\b(?:today|todays|today's|tonight|tomorrow|yesterday|now|nowadays|currently|current"
              + "|latest|newest|recent|recently|upcoming|breaking|live|news|headlines|weather"
              + "|forecast|stock price|share price|exchange rate|score|scores|trending"
              + "|this (?:morning|afternoon|evening|week|weekend|month|quarter|year|season)"
              + "|(?:last|next|past) (?:night|week|weekend|month|quarter|year|few days)"
              + "|as of|up to date|so far|at the moment|right now|what time|what day"
              + "|(?:19|20)\\d{2}|\\d{1,4}[-/.]\\d{1,2}[-/.]\\d{1,4}"
              + "|(?:"
              + MONTHS
              + ")\\.? \\d{1,2}(?:st|nd|rd|th)?|\\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:"
              + MONTHS
              + "))\\b",
          Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

  private TimeSensitivity() {}

  static boolean isTimeSensitive(String question) {
    return TIME_SENSITIVE.matcher(question).find();
  }
}
