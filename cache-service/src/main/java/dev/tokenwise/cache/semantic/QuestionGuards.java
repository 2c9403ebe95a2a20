package dev.tokenwise.cache.semantic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses a semantic hit when two questions that embed close together still ask different things.
 * Sentence embeddings place "How do I learn Python?" next to "How do I learn Java?", and "Is X
 * safe?" next to "Is X not safe?" (GPTCache issues #694 and #388); cosine alone cannot tell them
 * apart, so each guard compares one kind of word that changes the answer:
 *
 * <ul>
 *   <li><b>numbers</b>: the numbers (digits or number words) must be the same;
 *   <li><b>negation</b>: both or neither must be negated (same count of negating words);
 *   <li><b>entities</b>: a proper noun, acronym or code-like token in one question (capitalised
 *       inside a sentence, all caps, or mixing letters and digits) must appear in the other;
 *   <li><b>question word</b>: two questions asked with different ones of when, where, who, why and
 *       how many/much ask different things ("Where was the wheel invented?" is not "When was the
 *       wheel invented?");
 *   <li><b>key nouns</b>: at most {@code maxKeyWordDifference} content words (stop words and
 *       question filler removed, light stemming) may appear in only one of the two questions.
 * </ul>
 *
 * Pure and thread-safe.
 */
public final class QuestionGuards {

  /** Which guard refused; its name is the metric tag. */
  public enum Refusal {
    NUMBERS("numbers"),
    NEGATION("negation"),
    ENTITIES("entities"),
    QUESTION_WORD("question-word"),
    KEY_NOUNS("key-nouns"),
    /** Not a guard: the {@link PairVerifier} scored the pair below the route's verify threshold. */
    VERIFIER("verifier");

    public final String tag;

    Refusal(String tag) {
      this.tag = tag;
    }
  }

  private static final Pattern TOKEN =
      Pattern.compile("\\d+(?:[.,]\\d+)+|[\\p{L}\\p{N}][\\p{L}\\p{N}+#.'’_-]*");
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
  private static final Pattern SENTENCE_END = Pattern.compile("[.!?]\\s*$");

  private static final Set<String> NEGATIONS =
      Set.of(
          "not",
          "no",
          "never",
          "none",
          "nobody",
          "nothing",
          "neither",
          "nor",
          "without",
          "cannot",
          "nowhere",
          "cant",
          "dont",
          "doesnt",
          "didnt",
          "isnt",
          "arent",
          "wasnt",
          "werent",
          "wont",
          "wouldnt",
          "shouldnt",
          "couldnt",
          "havent",
          "hasnt",
          "hadnt",
          "aint");

  private static final Map<String, String> NUMBER_WORDS = numberWords();

  /**
   * Function words, and the filler with which questions are phrased ("what is the best way to
   * ..."), none of which changes what is being asked.
   */
  private static final Set<String> STOP_WORDS =
      words(
          "a",
          "an",
          "the",
          "and",
          "or",
          "but",
          "if",
          "then",
          "so",
          "of",
          "to",
          "in",
          "on",
          "at",
          "by",
          "for",
          "with",
          "from",
          "into",
          "onto",
          "about",
          "as",
          "than",
          "that",
          "this",
          "these",
          "those",
          "there",
          "here",
          "it",
          "its",
          "it's",
          "is",
          "are",
          "was",
          "were",
          "be",
          "been",
          "being",
          "am",
          "do",
          "does",
          "did",
          "doing",
          "done",
          "have",
          "has",
          "had",
          "having",
          "will",
          "would",
          "shall",
          "should",
          "can",
          "could",
          "may",
          "might",
          "must",
          "i",
          "me",
          "my",
          "mine",
          "myself",
          "we",
          "us",
          "our",
          "ours",
          "you",
          "your",
          "yours",
          "he",
          "him",
          "his",
          "she",
          "her",
          "hers",
          "they",
          "them",
          "their",
          "theirs",
          "one",
          "ones",
          "someone",
          "somebody",
          "something",
          "anyone",
          "anybody",
          "anything",
          "everyone",
          "everything",
          "what",
          "which",
          "who",
          "whom",
          "whose",
          "when",
          "where",
          "why",
          "how",
          "whats",
          "hows",
          "whos",
          "some",
          "any",
          "all",
          "each",
          "every",
          "other",
          "another",
          "such",
          "very",
          "really",
          "just",
          "also",
          "too",
          "more",
          "most",
          "much",
          "many",
          "lot",
          "lots",
          "best",
          "better",
          "good",
          "great",
          "way",
          "ways",
          "method",
          "methods",
          "thing",
          "things",
          "get",
          "gets",
          "getting",
          "got",
          "make",
          "makes",
          "making",
          "made",
          "go",
          "going",
          "know",
          "possible",
          "actually",
          "exactly",
          "mean",
          "meaning",
          "means",
          "tell",
          "explain",
          "please",
          "anyone",
          "ever",
          "still",
          "even",
          "only",
          "own",
          "same",
          "up",
          "out",
          "over",
          "off",
          "again",
          "use",
          "using",
          "used",
          "like",
          "want",
          "need",
          "should",
          "easy",
          "easiest",
          "easily",
          "quickly",
          "fast",
          "effective",
          "effectively",
          "top",
          "kind",
          "kinds",
          "type",
          "types",
          "example",
          "examples",
          "important",
          "difference",
          "differences",
          "between",
          "vs",
          "versus",
          "via",
          "after",
          "before",
          "while",
          "during",
          "s",
          "t",
          "d",
          "ll",
          "m",
          "re",
          "ve",
          "quora",
          "question",
          "questions",
          "answer",
          "answers",
          "reason",
          "reasons",
          "do",
          "start",
          "find",
          "become",
          "work",
          "works",
          "new",
          "time",
          "times",
          "people",
          "person",
          "life",
          "day",
          "year",
          "years");

  /**
   * Question words whose difference changes what is asked. "What", "which" and "how" are left out:
   * "What is the best way to learn X?" and "How do I learn X?" ask the same.
   */
  private static final Set<String> QUESTION_WORDS =
      Set.of("when", "where", "who", "whom", "whose", "why");

  private final int maxKeyWordDifference;
  private final boolean questionWords;

  /** Guards allowing at most {@code maxKeyWordDifference} content words found in only one. */
  public QuestionGuards(int maxKeyWordDifference) {
    this(maxKeyWordDifference, true);
  }

  /** The same, with the question-word guard on or off (off only to measure it). */
  public QuestionGuards(int maxKeyWordDifference, boolean questionWords) {
    this.maxKeyWordDifference = maxKeyWordDifference;
    this.questionWords = questionWords;
  }

  /** The first guard that refuses to let {@code stored} answer {@code asked}, or empty. */
  public Optional<Refusal> refusal(String asked, String stored) {
    Analysed a = analyse(asked);
    Analysed b = analyse(stored);
    if (!a.numbers.equals(b.numbers)) {
      return Optional.of(Refusal.NUMBERS);
    }
    if (a.negations != b.negations) {
      return Optional.of(Refusal.NEGATION);
    }
    if (!b.stems.containsAll(a.entities) || !a.stems.containsAll(b.entities)) {
      return Optional.of(Refusal.ENTITIES);
    }
    if (questionWords && askDifferently(a.questionWords, b.questionWords)) {
      return Optional.of(Refusal.QUESTION_WORD);
    }
    int onlyInOne = 0;
    for (String stem : a.keyWords) {
      if (!b.keyWords.contains(stem)) {
        onlyInOne++;
      }
    }
    for (String stem : b.keyWords) {
      if (!a.keyWords.contains(stem)) {
        onlyInOne++;
      }
    }
    if (onlyInOne > maxKeyWordDifference) {
      return Optional.of(Refusal.KEY_NOUNS);
    }
    return Optional.empty();
  }

  /**
   * Both ask with one of the compared question words and share none: "where" against "when". One
   * question with such a word and one without ("Why do cats purr?", "What makes cats purr?") is
   * left to the other guards: on Quora's pairs that difference is mostly a paraphrase.
   */
  private static boolean askDifferently(Set<String> a, Set<String> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return false;
    }
    for (String word : a) {
      if (b.contains(word)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Lexical comparison features of two questions, for the evaluation's logistic model (not used to
   * answer): word Jaccard, content-word Jaccard, content words in only one (capped at 8), and
   * entity, number, negation and question-word mismatch (0/1), and the ratio of their lengths in
   * words.
   */
  static double[] features(String asked, String stored) {
    Analysed a = analyse(asked);
    Analysed b = analyse(stored);
    int onlyInOne = 0;
    for (String stem : a.keyWords) {
      onlyInOne += b.keyWords.contains(stem) ? 0 : 1;
    }
    for (String stem : b.keyWords) {
      onlyInOne += a.keyWords.contains(stem) ? 0 : 1;
    }
    boolean entityMismatch = !b.stems.containsAll(a.entities) || !a.stems.containsAll(b.entities);
    double lengths =
        (double) Math.min(a.stems.size(), b.stems.size())
            / Math.max(1, Math.max(a.stems.size(), b.stems.size()));
    return new double[] {
      jaccard(a.stems, b.stems),
      jaccard(a.keyWords, b.keyWords),
      Math.min(onlyInOne, 8),
      entityMismatch ? 1 : 0,
      a.numbers.equals(b.numbers) ? 0 : 1,
      a.negations == b.negations ? 0 : 1,
      askDifferently(a.questionWords, b.questionWords) ? 1 : 0,
      lengths
    };
  }

  private static double jaccard(Set<String> x, Set<String> y) {
    if (x.isEmpty() && y.isEmpty()) {
      return 1;
    }
    int both = 0;
    for (String s : x) {
      both += y.contains(s) ? 1 : 0;
    }
    return (double) both / (x.size() + y.size() - both);
  }

  private record Analysed(
      Map<String, Integer> numbers,
      int negations,
      Set<String> entities,
      Set<String> stems,
      Set<String> keyWords,
      Set<String> questionWords) {}

  private static Analysed analyse(String text) {
    Map<String, Integer> numbers = new HashMap<>();
    int negations = 0;
    Set<String> entities = new HashSet<>();
    Set<String> stems = new HashSet<>();
    Set<String> keyWords = new HashSet<>();
    Set<String> questionWords = new HashSet<>(2);
    String previous = "";
    Matcher matcher = TOKEN.matcher(text);
    boolean sentenceStart = true;
    int lastEnd = 0;
    List<String> tokens = new ArrayList<>();
    while (matcher.find()) {
      String between = text.substring(lastEnd, matcher.start());
      if (lastEnd == 0 || SENTENCE_END.matcher(between).find() || between.contains("\n")) {
        sentenceStart = true;
      }
      lastEnd = matcher.end();
      String raw = trimToken(matcher.group());
      if (raw.isEmpty()) {
        continue;
      }
      tokens.add(raw);
      String lower = raw.toLowerCase(Locale.ROOT).replace('’', '\'');
      // Contractions: "isn't" negates, "what's" is "what".
      if (lower.endsWith("n't")) {
        negations++;
        lower = lower.substring(0, lower.length() - 3);
      } else if (lower.endsWith("'s") || lower.endsWith("'d") || lower.endsWith("'m")) {
        lower = lower.substring(0, lower.length() - 2);
      } else if (lower.endsWith("'re") || lower.endsWith("'ve") || lower.endsWith("'ll")) {
        lower = lower.substring(0, lower.length() - 3);
      }
      lower = lower.replace("'", "");
      if (QUESTION_WORDS.contains(lower)) {
        questionWords.add(lower.startsWith("who") ? "who" : lower);
      } else if (previous.equals("how") && (lower.equals("many") || lower.equals("much"))) {
        questionWords.add("how many");
      }
      previous = lower;
      if (NEGATIONS.contains(lower)) {
        negations++;
        sentenceStart = false;
        continue;
      }
      if (NUMBER.matcher(lower).matches()) {
        numbers.merge(lower.replace(",", ""), 1, Integer::sum);
        sentenceStart = false;
        continue;
      }
      String numberWord = NUMBER_WORDS.get(lower);
      if (numberWord != null) {
        numbers.merge(numberWord, 1, Integer::sum);
        sentenceStart = false;
        continue;
      }
      String stem = stem(lower);
      stems.add(stem);
      if (isEntity(raw, sentenceStart) && !STOP_WORDS.contains(lower)) {
        entities.add(stem);
      }
      if (!STOP_WORDS.contains(lower) && lower.length() > 1) {
        keyWords.add(stem);
      }
      sentenceStart = false;
    }
    return new Analysed(numbers, negations, entities, stems, keyWords, questionWords);
  }

  private static String trimToken(String token) {
    int end = token.length();
    while (end > 0 && ".'’-_".indexOf(token.charAt(end - 1)) >= 0) {
      end--;
    }
    return token.substring(0, end);
  }

  /**
   * Capitalised inside a sentence ("learn Python"), an acronym ("USA", "AWS"), or letters mixed
   * with digits or symbols ("iPhone", "C++", "GPT-4").
   */
  private static boolean isEntity(String raw, boolean sentenceStart) {
    boolean hasUpper = false;
    boolean hasLower = false;
    boolean hasDigit = false;
    boolean hasSymbol = false;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (Character.isUpperCase(c)) {
        hasUpper = true;
      } else if (Character.isLowerCase(c)) {
        hasLower = true;
      } else if (Character.isDigit(c)) {
        hasDigit = true;
      } else if (c == '+' || c == '#') {
        hasSymbol = true;
      }
    }
    if (hasSymbol || (hasDigit && (hasUpper || hasLower))) {
      return true;
    }
    if (raw.length() > 1 && hasUpper && !hasLower) {
      return true;
    }
    if (Character.isUpperCase(raw.charAt(0)) && !sentenceStart) {
      return true;
    }
    // Camel case inside a word: "iPhone", "YouTube".
    for (int i = 1; i < raw.length(); i++) {
      if (Character.isUpperCase(raw.charAt(i)) && Character.isLowerCase(raw.charAt(i - 1))) {
        return true;
      }
    }
    return false;
  }

  /** A light English stemmer: plural and common verb endings, enough to match word forms. */
  static String stem(String word) {
    String w = word;
    if (w.length() > 4 && w.endsWith("ies")) {
      return w.substring(0, w.length() - 3) + "y";
    }
    if (w.length() > 5 && w.endsWith("ing")) {
      w = w.substring(0, w.length() - 3);
    } else if (w.length() > 4 && w.endsWith("ed")) {
      w = w.substring(0, w.length() - 2);
    } else if (w.length() > 4 && w.endsWith("es") && "sxz".indexOf(w.charAt(w.length() - 3)) >= 0) {
      w = w.substring(0, w.length() - 2);
    } else if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) {
      w = w.substring(0, w.length() - 1);
    } else if (w.length() > 4 && w.endsWith("ly")) {
      w = w.substring(0, w.length() - 2);
    }
    if (w.length() > 3 && w.endsWith("e")) {
      w = w.substring(0, w.length() - 1);
    }
    return w;
  }

  private static Set<String> words(String... words) {
    return Set.copyOf(Arrays.asList(words));
  }

  private static Map<String, String> numberWords() {
    String[] units = {
      "zero",
      "one",
      "two",
      "three",
      "four",
      "five",
      "six",
      "seven",
      "eight",
      "nine",
      "ten",
      "eleven",
      "twelve",
      "thirteen",
      "fourteen",
      "fifteen",
      "sixteen",
      "seventeen",
      "eighteen",
      "nineteen",
      "twenty"
    };
    Map<String, String> words = new HashMap<>();
    for (int i = 0; i < units.length; i++) {
      words.put(units[i], Integer.toString(i));
    }
    String[] tens = {"thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
    for (int i = 0; i < tens.length; i++) {
      words.put(tens[i], Integer.toString((i + 3) * 10));
    }
    words.put("hundred", "100");
    words.put("thousand", "1000");
    words.put("million", "1000000");
    words.put("billion", "1000000000");
    String[] ordinals = {
      "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"
    };
    for (int i = 0; i < ordinals.length; i++) {
      words.put(ordinals[i], "#" + (i + 1));
    }
    // "one" is usually a pronoun ("which one is better"), not a count.
    words.remove("one");
    return Map.copyOf(words);
  }
}
