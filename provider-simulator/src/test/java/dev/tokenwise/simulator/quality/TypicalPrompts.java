package dev.tokenwise.simulator.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A fixed, generated mix of the prompts a gateway sees: short questions and how-tos, multiple
 * choice, arithmetic, word problems, proofs and reasoning, code, some in several parts. The same
 * seed gives the same prompts, so calibration figures repeat.
 */
final class TypicalPrompts {

  private static final List<String> TOPICS =
      List.of(
          "a token bucket",
          "prompt caching",
          "a vector index",
          "eventual consistency",
          "a circuit breaker",
          "idempotency keys",
          "an LRU cache",
          "backpressure",
          "the CAP theorem",
          "a bloom filter",
          "rate limiting",
          "consistent hashing",
          "a write-ahead log",
          "TLS session resumption",
          "tail latency",
          "a dead-letter queue");
  private static final List<String> TECH =
      List.of("Java", "Python", "Go", "PostgreSQL", "Redis", "Kubernetes", "Spring", "Rust");
  private static final List<String> TASKS =
      List.of(
          "retry a failed request",
          "stream a large file",
          "parse a date",
          "cache a response",
          "paginate a query",
          "hash a password",
          "limit concurrency",
          "read environment variables");
  private static final List<String> THINGS =
      List.of("apples", "tickets", "boxes", "licences", "servers", "books", "chairs", "tokens");

  private TypicalPrompts() {}

  static List<String> generate(int count, long seed) {
    Random random = new Random(seed);
    List<String> prompts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int kind = random.nextInt(100);
      String prompt;
      if (kind < 30) {
        prompt = shortQuestion(random);
      } else if (kind < 50) {
        prompt = multipleChoice(random);
      } else if (kind < 62) {
        prompt = arithmetic(random);
      } else if (kind < 75) {
        prompt = wordProblem(random);
      } else if (kind < 85) {
        prompt = reasoning(random);
      } else {
        prompt = code(random);
      }
      if (random.nextInt(10) == 0) {
        prompt = "1. " + prompt + "\n2. " + shortQuestion(random);
      }
      prompts.add(prompt);
    }
    return prompts;
  }

  private static String shortQuestion(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> "What is " + pick(r, TOPICS) + "?";
      case 1 -> "How do I " + pick(r, TASKS) + " in " + pick(r, TECH) + "?";
      case 2 -> "Explain " + pick(r, TOPICS) + " briefly.";
      default ->
          "Summarise the difference between " + pick(r, TOPICS) + " and " + pick(r, TOPICS) + ".";
    };
  }

  private static String multipleChoice(Random r) {
    String stem =
        switch (r.nextInt(3)) {
          case 0 -> "Which of these best describes " + pick(r, TOPICS) + "?";
          case 1 -> "Which option is the safest way to " + pick(r, TASKS) + "?";
          default -> "Which statement about " + pick(r, TECH) + " is true?";
        };
    boolean parenthesised = r.nextBoolean();
    StringBuilder prompt = new StringBuilder(stem);
    for (char letter = 'A'; letter <= 'D'; letter++) {
      prompt
          .append('\n')
          .append(parenthesised ? "(" + letter + ") " : letter + ") ")
          .append("It relies on ")
          .append(pick(r, TOPICS));
    }
    return prompt.toString();
  }

  private static String arithmetic(Random r) {
    int a = 2 + r.nextInt(r.nextBoolean() ? 50 : 5000);
    int b = 2 + r.nextInt(r.nextBoolean() ? 50 : 500);
    String op = List.of("+", "-", "*", "/").get(r.nextInt(4));
    return r.nextBoolean() ? "What is " + a + " " + op + " " + b + "?" : "Calculate " + a + op + b;
  }

  private static String wordProblem(Random r) {
    int n = 2 + r.nextInt(40);
    int p = 5 + r.nextInt(200);
    int k = 2 + r.nextInt(12);
    return switch (r.nextInt(3)) {
      case 0 ->
          "A shop sells "
              + n
              + " "
              + pick(r, THINGS)
              + " at "
              + p
              + " cents each. How much do "
              + k
              + " of them cost in total?";
      case 1 ->
          "A train travels "
              + n * 10
              + " km in "
              + k
              + " hours, then "
              + p
              + " km in "
              + (k + 1)
              + " hours. What is its average speed? Explain step by step.";
      default ->
          "A team has "
              + n
              + " engineers; each reviews "
              + k
              + " pull requests a day and "
              + p
              + "% of reviews need a second pass. How many second passes happen in a week of"
              + " 5 working days? Show each step and justify the rounding.";
    };
  }

  private static String reasoning(Random r) {
    return switch (r.nextInt(3)) {
      case 0 -> "Prove that the sum of two odd numbers is even.";
      case 1 ->
          "Explain why "
              + pick(r, TOPICS)
              + " helps under load, step by step, and compare it with "
              + pick(r, TOPICS)
              + ". Justify each trade-off.";
      default ->
          "Derive the expected number of cache hits when "
              + (10 + r.nextInt(90))
              + " keys are drawn uniformly from "
              + (100 + r.nextInt(900))
              + " and the cache holds "
              + (5 + r.nextInt(50))
              + ". Analyse the result.";
    };
  }

  private static String code(Random r) {
    return switch (r.nextInt(2)) {
      case 0 ->
          "Why does this "
              + pick(r, TECH)
              + " code fail to "
              + pick(r, TASKS)
              + "?\n```\nfunction handle(request) {\n  const result = cache.get(request.key);\n"
              + "  return result.value;\n}\n```";
      default ->
          "Write a " + pick(r, TECH) + " function that can " + pick(r, TASKS) + " with tests.";
    };
  }

  private static String pick(Random r, List<String> list) {
    return list.get(r.nextInt(list.size()));
  }
}
