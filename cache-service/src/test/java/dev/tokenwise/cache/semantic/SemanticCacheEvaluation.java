package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.embedding.EmbeddingSource;
import dev.tokenwise.cache.embedding.OnnxEmbeddingSource;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The semantic cache's evaluation over labelled question pairs ({@code {"a","b","duplicate"}} per
 * line, e.g. QQP's dev pairs, which are not in the repository). Not a test: a command in the test
 * sources (it never ships in the service's jar) whose output goes into BENCHMARKS.md, run on the
 * test class path (BENCHMARKS.md gives the command that builds it):
 *
 * <pre>
 * java -cp cache-service/target/test-classes:cache-service/target/classes:$(cat /tmp/cache-cp.txt) \
 *   dev.tokenwise.cache.semantic.SemanticCacheEvaluation "$TOKENWISE_DATA/qqp-dev.jsonl" \
 *   [--embeddings-cache=/tmp/qqp.vec] [--holdout=30] [--pairs-only]
 * </pre>
 *
 * <p>Pairs are split by a fixed hash of their position n, {@code floorMod((n * 0x9E3779B1) ^ (n >>>
 * 7), 100) < holdout}: the same split on every run and machine (no random seed to pass), {@code
 * holdout}% held out (5,960 of QQP's 20,000 at the default 30), the rest tune. Reported per
 * threshold, guards off and on: the share of duplicates hit and the false-hit rate on
 * non-duplicates (pair mode), then the configuration chosen on the tuning split against the 1%
 * budget, measured on the held-out split, and a cache-shaped run (every {@code a} stored in the
 * HNSW index, every {@code b} looked up as the service does: candidates, exact cosine, guards).
 */
public final class SemanticCacheEvaluation {

  private static final double FALSE_HIT_BUDGET = 0.01;

  /** A key-word allowance that switches the key-noun guard off. */
  private static final int KEY_WORDS_OFF = 1000;

  record Pair(String a, String b, boolean duplicate, boolean heldOut) {}

  private record Rates(double duplicateHits, double falseHits) {}

  private SemanticCacheEvaluation() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println(
          "usage: SemanticCacheEvaluation <pairs.jsonl> [--embeddings-cache=<file>]"
              + " [--holdout=<percent>]");
      System.exit(2);
    }
    Path data = Path.of(args[0]);
    Path cache = null;
    int holdout = 30;
    boolean cacheShaped = true;
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--pairs-only")) {
        cacheShaped = false;
      }
      if (args[i].startsWith("--embeddings-cache=")) {
        cache = Path.of(args[i].substring("--embeddings-cache=".length()));
      } else if (args[i].startsWith("--holdout=")) {
        holdout = Integer.parseInt(args[i].substring("--holdout=".length()));
      }
    }
    List<Pair> pairs = read(data, holdout);
    long start = System.nanoTime();
    float[][] vectors = embeddings(pairs, cache);
    System.out.printf(
        Locale.ROOT,
        "pairs %d (duplicates %d), held out %d%% = %d; embedded in %.1f s%n",
        pairs.size(),
        pairs.stream().filter(Pair::duplicate).count(),
        holdout,
        pairs.stream().filter(Pair::heldOut).count(),
        (System.nanoTime() - start) / 1e9);

    double[] cosine = new double[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      cosine[i] = dot(vectors[2 * i], vectors[2 * i + 1]);
    }
    Map<String, boolean[]> passes = new LinkedHashMap<>();
    Map<String, QuestionGuards> variants = new LinkedHashMap<>();
    variants.put("numbers, negation, entities, key-word diff ≤ 2", new QuestionGuards(2, false));
    variants.put("+ question word, key-word diff ≤ 2", new QuestionGuards(2, true));
    variants.put("+ question word, key-word diff ≤ 3", new QuestionGuards(3, true));
    variants.put("+ question word, key-noun guard off", new QuestionGuards(KEY_WORDS_OFF, true));
    variants.forEach(
        (name, guards) -> {
          boolean[] pass = new boolean[pairs.size()];
          for (int i = 0; i < pairs.size(); i++) {
            pass[i] = guards.refusal(pairs.get(i).b(), pairs.get(i).a()).isEmpty();
          }
          passes.put(name, pass);
        });

    System.out.println();
    System.out.println("## Pair mode, all pairs (duplicate hits / false hits on non-duplicates)");
    System.out.print("| threshold | guards off |");
    passes.keySet().forEach(name -> System.out.print(" guards on: " + name + " |"));
    System.out.println();
    System.out.println("|---|---|" + "---|".repeat(passes.size()));
    for (int t = 80; t <= 98; t++) {
      double threshold = t / 100.0;
      System.out.printf(
          Locale.ROOT,
          "| %.2f | %s |",
          threshold,
          format(rates(pairs, cosine, null, threshold, null)));
      for (boolean[] pass : passes.values()) {
        System.out.print(" " + format(rates(pairs, cosine, pass, threshold, null)) + " |");
      }
      System.out.println();
    }

    // Tune on the tuning split: the most duplicate hits within the false-hit budget (with a
    // margin),
    // then measure on the held-out pairs, which played no part in the choice.
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "## Threshold chosen on the tuning split (false hits ≤ %.1f%%), measured on held-out"
            + " pairs%n",
        100 * TUNING_BUDGET);
    System.out.println("| decision | threshold | tuning hits / false | held-out hits / false |");
    System.out.println("|---|---|---|---|");
    tuneAndReport(pairs, cosine, null, "cosine only (guards off)");
    passes.forEach((name, pass) -> tuneAndReport(pairs, cosine, pass, "guards on: " + name));
    logisticModel(pairs, cosine);
    SemanticPolicy shipped = SemanticPolicy.BUILT_IN;
    QuestionGuards shippedGuards = new QuestionGuards(shipped.maxKeyWordDifference());
    boolean[] shippedPass = new boolean[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      shippedPass[i] = shippedGuards.refusal(pairs.get(i).b(), pairs.get(i).a()).isEmpty();
    }
    System.out.printf(
        Locale.ROOT,
        "| **shipped default**: guards on (with question word), key-word diff ≤ %d | %.3f | %s |"
            + " %s |%n",
        shipped.maxKeyWordDifference(),
        shipped.threshold(),
        format(rates(pairs, cosine, shippedPass, shipped.threshold(), false)),
        format(rates(pairs, cosine, shippedPass, shipped.threshold(), true)));
    refusalsByGuard(pairs, cosine, shipped.threshold(), shipped.maxKeyWordDifference());
    if (cacheShaped) {
      cacheShaped(
          pairs, vectors, shipped.threshold(), shipped.maxKeyWordDifference(), vectors[0].length);
    }
  }

  /** The tuning split's false-hit budget: 0.8%, a margin inside the 1% target for held-out. */
  private static final double TUNING_BUDGET = FALSE_HIT_BUDGET * 0.8;

  private static void tuneAndReport(
      List<Pair> pairs, double[] cosine, boolean[] pass, String label) {
    double bestThreshold = 0;
    Rates best = null;
    for (int t = 800; t <= 995; t++) {
      double threshold = t / 1000.0;
      Rates tuned = rates(pairs, cosine, pass, threshold, false);
      if (tuned.falseHits() <= TUNING_BUDGET
          && (best == null || tuned.duplicateHits() > best.duplicateHits())) {
        best = tuned;
        bestThreshold = threshold;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "| %s | %.3f | %s | %s |%n",
        label,
        bestThreshold,
        format(best),
        format(rates(pairs, cosine, pass, bestThreshold, true)));
  }

  /**
   * Evaluation only, never shipped (the data's terms keep it out of the product): a logistic model
   * over cosine and the lexical features of {@link QuestionGuards#features}, fitted on the tuning
   * split's pairs with cosine ≥ {@value #MODEL_FLOOR} (where the decision is made), its cut-off
   * chosen on the tuning split like the thresholds above, measured on the held-out pairs. It tells
   * whether learning a combination of these signals would beat the hand-set guards.
   */
  private static void logisticModel(List<Pair> pairs, double[] cosine) {
    int n = pairs.size();
    double[][] x = new double[n][];
    for (int i = 0; i < n; i++) {
      double[] lexical = QuestionGuards.features(pairs.get(i).b(), pairs.get(i).a());
      double[] row = new double[lexical.length + 3];
      row[0] = 1;
      row[1] = cosine[i];
      row[2] = cosine[i] * cosine[i];
      System.arraycopy(lexical, 0, row, 3, lexical.length);
      x[i] = row;
    }
    int d = x[0].length;
    // Standardise on the tuning rows the model is fitted on.
    double[] mean = new double[d];
    double[] sd = new double[d];
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (!pairs.get(i).heldOut() && cosine[i] >= MODEL_FLOOR) {
        m++;
        for (int j = 1; j < d; j++) {
          mean[j] += x[i][j];
        }
      }
    }
    for (int j = 1; j < d; j++) {
      mean[j] /= m;
    }
    for (int i = 0; i < n; i++) {
      if (!pairs.get(i).heldOut() && cosine[i] >= MODEL_FLOOR) {
        for (int j = 1; j < d; j++) {
          sd[j] += (x[i][j] - mean[j]) * (x[i][j] - mean[j]);
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 1; j < d; j++) {
        x[i][j] = (x[i][j] - mean[j]) / Math.max(1e-9, Math.sqrt(sd[j] / m));
      }
    }
    // Newton's method (IRLS) with a small ridge.
    double[] w = new double[d];
    for (int iteration = 0; iteration < 25; iteration++) {
      double[] gradient = new double[d];
      double[][] hessian = new double[d][d];
      for (int i = 0; i < n; i++) {
        if (pairs.get(i).heldOut() || cosine[i] < MODEL_FLOOR) {
          continue;
        }
        double p = 1 / (1 + Math.exp(-dot(w, x[i])));
        double y = pairs.get(i).duplicate() ? 1 : 0;
        for (int j = 0; j < d; j++) {
          gradient[j] += (p - y) * x[i][j];
          for (int k = 0; k < d; k++) {
            hessian[j][k] += p * (1 - p) * x[i][j] * x[i][k];
          }
        }
      }
      for (int j = 1; j < d; j++) {
        gradient[j] += RIDGE * w[j];
        hessian[j][j] += RIDGE;
      }
      double[] step = solve(hessian, gradient);
      for (int j = 0; j < d; j++) {
        w[j] -= step[j];
      }
    }
    double[] score = new double[n];
    for (int i = 0; i < n; i++) {
      // Below the floor nothing hits; the model's probability otherwise (as a "cosine" in [0,1]).
      score[i] = cosine[i] < MODEL_FLOOR ? 0 : 1 / (1 + Math.exp(-dot(w, x[i])));
    }
    tuneAndReport(
        pairs,
        score,
        null,
        "evaluation only: logistic model (cosine, cosine², 8 lexical features) fitted on the"
            + " tuning split, cosine ≥ "
            + MODEL_FLOOR);
  }

  private static final double MODEL_FLOOR = 0.85;
  private static final double RIDGE = 1.0;

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  /** Solves {@code a·x = b} by Gaussian elimination with partial pivoting (a is small). */
  private static double[] solve(double[][] a, double[] b) {
    int n = b.length;
    double[][] m = new double[n][n + 1];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], 0, m[i], 0, n);
      m[i][n] = b[i];
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
          pivot = r;
        }
      }
      double[] swap = m[col];
      m[col] = m[pivot];
      m[pivot] = swap;
      for (int r = col + 1; r < n; r++) {
        double f = m[r][col] / m[col][col];
        for (int c = col; c <= n; c++) {
          m[r][c] -= f * m[col][c];
        }
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double sum = m[r][n];
      for (int c = r + 1; c < n; c++) {
        sum -= m[r][c] * x[c];
      }
      x[r] = sum / m[r][r];
    }
    return x;
  }

  private static void refusalsByGuard(
      List<Pair> pairs, double[] cosine, double threshold, int limit) {
    QuestionGuards guards = new QuestionGuards(limit);
    Map<String, int[]> counts = new LinkedHashMap<>();
    for (int i = 0; i < pairs.size(); i++) {
      if (cosine[i] < threshold) {
        continue;
      }
      Optional<QuestionGuards.Refusal> refusal = guards.refusal(pairs.get(i).b(), pairs.get(i).a());
      String name = refusal.map(r -> r.tag).orElse("none (hit)");
      counts.computeIfAbsent(name, k -> new int[2])[pairs.get(i).duplicate() ? 0 : 1]++;
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Pairs above %.3f by guard verdict (duplicates / non-duplicates):%n",
        threshold);
    counts.forEach(
        (name, c) -> System.out.printf(Locale.ROOT, "  %-12s %6d / %6d%n", name, c[0], c[1]));
  }

  /**
   * Every distinct {@code a} stored in one index; every {@code b} looked up as the service does. A
   * duplicate's lookup is right when it returns its own {@code a}; a non-duplicate's lookup is a
   * false hit when it returns its own {@code a} (the near-duplicate built to fool the cache). Hits
   * on some other stored question are counted apart (QQP does not label them).
   */
  private static void cacheShaped(
      List<Pair> pairs, float[][] vectors, double threshold, int limit, int dimension) {
    QuestionGuards guards = new QuestionGuards(limit);
    String context = "00000000000000000000000000000000";
    Map<String, Integer> storedIndex = new HashMap<>();
    List<String> storedTexts = new ArrayList<>();
    long start = System.nanoTime();
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuStart = threads.getCurrentThreadCpuTime();
    try (VectorIndex index = new VectorIndex(dimension, 16, 100)) {
      index.beginBulkLoad();
      for (int i = 0; i < pairs.size(); i++) {
        String a = pairs.get(i).a();
        if (storedIndex.putIfAbsent(a, storedTexts.size()) == null) {
          index.put(id(storedTexts.size()), context, vectors[2 * i], Long.MAX_VALUE);
          storedTexts.add(a);
        }
      }
      index.endBulkLoad();
      double indexSeconds = (System.nanoTime() - start) / 1e9;
      double indexCpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      for (boolean guardsOn : new boolean[] {false, true}) {
        int[] dup = new int[4];
        int[] nonDup = new int[4];
        for (int i = 0; i < pairs.size(); i++) {
          Pair pair = pairs.get(i);
          if (!pair.heldOut()) {
            continue;
          }
          float[] query = vectors[2 * i + 1];
          String hit = null;
          for (VectorIndex.Candidate candidate : index.search(context, query, 4)) {
            int stored = Integer.parseInt(candidate.entryId(), 16);
            int storedPair = firstPairOf(pairs, storedTexts.get(stored));
            double exact = dot(query, vectors[2 * storedPair]);
            if (exact < threshold) {
              continue;
            }
            if (guardsOn && guards.refusal(pair.b(), storedTexts.get(stored)).isPresent()) {
              continue;
            }
            hit = storedTexts.get(stored);
            break;
          }
          int[] bucket = pair.duplicate() ? dup : nonDup;
          bucket[0]++;
          if (hit == null) {
            bucket[3]++;
          } else if (hit.equals(pair.a())) {
            bucket[1]++;
          } else {
            bucket[2]++;
          }
        }
        System.out.println();
        System.out.printf(
            Locale.ROOT,
            "## Cache-shaped, held-out b's against %d stored a's (index built in %.1f s wall,"
                + " %.1f s CPU), threshold %.3f, guards %s%n",
            storedTexts.size(),
            indexSeconds,
            indexCpuSeconds,
            threshold,
            guardsOn ? "on (key-word diff ≤ " + limit + ")" : "off");
        System.out.printf(
            Locale.ROOT,
            "duplicates: %d looked up, %.1f%% answered with their own a, %.1f%% with another"
                + " stored question, %.1f%% missed%n",
            dup[0],
            100.0 * dup[1] / dup[0],
            100.0 * dup[2] / dup[0],
            100.0 * dup[3] / dup[0]);
        System.out.printf(
            Locale.ROOT,
            "non-duplicates: %d looked up, %.2f%% false hits on their own a, %.2f%% hits on"
                + " another stored question, %.1f%% missed%n",
            nonDup[0],
            100.0 * nonDup[1] / nonDup[0],
            100.0 * nonDup[2] / nonDup[0],
            100.0 * nonDup[3] / nonDup[0]);
      }
    }
  }

  private static final Map<String, Integer> FIRST_PAIR = new HashMap<>();

  private static int firstPairOf(List<Pair> pairs, String a) {
    if (FIRST_PAIR.isEmpty()) {
      for (int i = 0; i < pairs.size(); i++) {
        FIRST_PAIR.putIfAbsent(pairs.get(i).a(), i);
      }
    }
    return FIRST_PAIR.get(a);
  }

  private static String id(int n) {
    return String.format(Locale.ROOT, "%032x", n);
  }

  /** heldOut: null = all pairs, true = held-out only, false = tuning only. */
  private static Rates rates(
      List<Pair> pairs, double[] cosine, boolean[] pass, double threshold, Boolean heldOut) {
    int duplicates = 0;
    int duplicateHits = 0;
    int others = 0;
    int falseHits = 0;
    for (int i = 0; i < pairs.size(); i++) {
      Pair pair = pairs.get(i);
      if (heldOut != null && pair.heldOut() != heldOut) {
        continue;
      }
      boolean hit = cosine[i] >= threshold && (pass == null || pass[i]);
      if (pair.duplicate()) {
        duplicates++;
        duplicateHits += hit ? 1 : 0;
      } else {
        others++;
        falseHits += hit ? 1 : 0;
      }
    }
    return new Rates((double) duplicateHits / duplicates, (double) falseHits / others);
  }

  private static String format(Rates rates) {
    return String.format(
        Locale.ROOT, "%.1f%% / %.2f%%", 100 * rates.duplicateHits(), 100 * rates.falseHits());
  }

  private static double dot(float[] x, float[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }

  static List<Pair> read(Path data, int holdoutPercent) throws IOException {
    JsonMapper json = JsonMapper.builder().build();
    List<Pair> pairs = new ArrayList<>();
    for (String line : Files.readAllLines(data, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode row = json.readTree(line);
      int n = pairs.size();
      // A fixed mix of the position, so the split is the same on every run and every machine.
      int bucket = Math.floorMod((n * 0x9E3779B1) ^ (n >>> 7), 100);
      pairs.add(
          new Pair(
              row.path("a").asString(""),
              row.path("b").asString(""),
              row.path("duplicate").asBoolean(false),
              bucket < holdoutPercent));
    }
    return pairs;
  }

  private static float[][] embeddings(List<Pair> pairs, Path cache) throws IOException {
    int count = pairs.size() * 2;
    if (cache != null && Files.exists(cache)) {
      try (DataInputStream in = new DataInputStream(Files.newInputStream(cache))) {
        int n = in.readInt();
        int dimension = in.readInt();
        if (n == count) {
          float[][] vectors = new float[n][dimension];
          for (float[] vector : vectors) {
            for (int d = 0; d < dimension; d++) {
              vector[d] = in.readFloat();
            }
          }
          return vectors;
        }
      }
    }
    EmbeddingSource source = OnnxEmbeddingSource.bundledMiniLm();
    List<String> texts = new ArrayList<>(count);
    for (Pair pair : pairs) {
      texts.add(pair.a());
      texts.add(pair.b());
    }
    float[][] vectors = new float[count][];
    int batch = 64;
    for (int from = 0; from < count; from += batch) {
      List<float[]> embedded = source.embed(texts.subList(from, Math.min(count, from + batch)));
      for (int i = 0; i < embedded.size(); i++) {
        vectors[from + i] = embedded.get(i);
      }
    }
    if (cache != null) {
      try (OutputStream file = Files.newOutputStream(cache);
          DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(file))) {
        out.writeInt(count);
        out.writeInt(vectors[0].length);
        for (float[] vector : vectors) {
          for (float v : vector) {
            out.writeFloat(v);
          }
        }
      }
    }
    return vectors;
  }
}
