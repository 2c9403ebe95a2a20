package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.embedding.BundledModel;
import dev.tokenwise.cache.embedding.TokenEncoder;
import dev.tokenwise.cache.semantic.SemanticCacheEvaluation.Pair;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which pair verifier to put behind the vector index, measured on labelled question pairs (the same
 * data, split and budget as {@link SemanticCacheEvaluation}). For each embedding model (MiniLM-L6,
 * bge-small-en-v1.5, e5-small-v2, all quantized) and each decision — pooled cosine, token alignment
 * ({@link TokenAlignment}, idf from the stored questions), their mean — guards on, the threshold is
 * read off the tuning split (most duplicate hits with false hits ≤ 0.8%) and measured on the
 * held-out split; then a cache-shaped run of the chosen ones. Not a test: a command in the test
 * sources (never in the service's jar) whose output goes into BENCHMARKS.md, run on the test class
 * path as {@link SemanticCacheEvaluation} is:
 *
 * <pre>
 * nice -n 10 java -cp cache-service/target/test-classes:cache-service/target/classes:$(cat \
 *   /tmp/cache-cp.txt) dev.tokenwise.cache.semantic.VerifierEvaluation \
 *   "$TOKENWISE_DATA/qqp-dev.jsonl" --models=minilm,bge,e5 --encodings=/tmp
 * </pre>
 *
 * {@code --promotion} runs {@link PromotionReplay} (gray-zone promotion on the first model) instead
 * of the tables. {@code --encodings=<dir>} keeps each model's encodings (sentence vector,
 * word-piece ids, int8 token vectors) in {@code <dir>/qqp-tokens-<model>.bin}, so a re-run does not
 * re-encode; {@code --encode-only} stops after encoding.
 */
public final class VerifierEvaluation {

  private static final double TUNING_BUDGET = 0.008;

  /** One text's encoding, token vectors as int8 with one scale per token. */
  record Text(float[] sentence, long[] ids, byte[][] tokens, float[] scales) {

    float[][] tokenVectors() {
      float[][] vectors = new float[tokens.length][];
      for (int t = 0; t < tokens.length; t++) {
        float[] v = new float[tokens[t].length];
        for (int d = 0; d < v.length; d++) {
          v[d] = tokens[t][d] * scales[t];
        }
        vectors[t] = v;
      }
      return vectors;
    }

    static Text of(TokenEncoder.Encoded encoded) {
      byte[][] tokens = new byte[encoded.tokens().length][];
      float[] scales = new float[tokens.length];
      for (int t = 0; t < tokens.length; t++) {
        float[] v = encoded.tokens()[t];
        float max = 1e-9f;
        for (float x : v) {
          max = Math.max(max, Math.abs(x));
        }
        scales[t] = max / 127f;
        tokens[t] = new byte[v.length];
        for (int d = 0; d < v.length; d++) {
          tokens[t][d] = (byte) Math.round(v[d] / scales[t]);
        }
      }
      return new Text(encoded.sentence(), encoded.tokenIds(), tokens, scales);
    }
  }

  private VerifierEvaluation() {}

  public static void main(String[] args) throws IOException {
    Path data = Path.of(args[0]);
    List<BundledModel> models = List.of(BundledModel.values());
    Path encodings = null;
    boolean encodeOnly = false;
    boolean cacheShaped = true;
    double replayBound = 0;
    boolean promotion = false;
    boolean weakest = false;
    String serviceReplay = null;
    for (int i = 1; i < args.length; i++) {
      if (args[i].startsWith("--models=")) {
        models =
            java.util.Arrays.stream(args[i].substring(9).split(","))
                .map(VerifierEvaluation::model)
                .toList();
      } else if (args[i].startsWith("--encodings=")) {
        encodings = Path.of(args[i].substring(12));
      } else if (args[i].equals("--encode-only")) {
        encodeOnly = true;
      } else if (args[i].equals("--pairs-only")) {
        cacheShaped = false;
      } else if (args[i].startsWith("--replay-service=")) {
        serviceReplay = args[i].substring("--replay-service=".length());
      } else if (args[i].equals("--weakest")) {
        weakest = true;
      } else if (args[i].equals("--promotion")) {
        promotion = true;
      } else if (args[i].startsWith("--replay=")) {
        replayBound = Double.parseDouble(args[i].substring("--replay=".length()));
      }
    }
    List<Pair> pairs = SemanticCacheEvaluation.read(data, 30);
    QuestionGuards guards = new QuestionGuards(SemanticPolicy.BUILT_IN.maxKeyWordDifference());
    boolean[] pass = new boolean[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      pass[i] = guards.refusal(pairs.get(i).b(), pairs.get(i).a()).isEmpty();
    }
    Map<BundledModel, Text[]> encoded = new LinkedHashMap<>();
    for (BundledModel model : models) {
      long start = System.nanoTime();
      Text[] texts =
          encode(model, pairs, encodings == null ? null : encodings.resolve(fileName(model)));
      System.out.printf(
          Locale.ROOT,
          "%s: %d texts ready in %.1f s%n",
          model,
          texts.length,
          (System.nanoTime() - start) / 1e9);
      encoded.put(model, texts);
    }
    if (encodeOnly) {
      return;
    }
    List<Runnable> shaped = new java.util.ArrayList<>();
    System.out.println();
    System.out.println(
        "| model | decision (guards on) | threshold | tuning hits / false | held-out hits /"
            + " false |");
    System.out.println("|---|---|---|---|---|");
    for (Map.Entry<BundledModel, Text[]> entry : encoded.entrySet()) {
      Text[] texts = entry.getValue();
      IdfWeights idf = storedQuestionIdf(pairs, texts);
      double[] cosine = new double[pairs.size()];
      double[] aligned = new double[pairs.size()];
      double[] mean = new double[pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        Text a = texts[2 * i];
        Text b = texts[2 * i + 1];
        cosine[i] = dot(a.sentence(), b.sentence());
        aligned[i] = TokenAlignment.f1(b.ids(), b.tokenVectors(), a.ids(), a.tokenVectors(), idf);
        mean[i] = (cosine[i] + aligned[i]) / 2;
      }
      double cosineThreshold = report(entry.getKey(), "cosine", pairs, cosine, pass);
      report(entry.getKey(), "token alignment (idf)", pairs, aligned, pass);
      double meanThreshold =
          report(entry.getKey(), "mean of cosine and alignment", pairs, mean, pass);
      if (weakest) {
        reportWeakest(entry.getKey(), pairs, texts, idf, cosine, pass);
      }
      shaped.add(() -> cacheShaped(entry.getKey(), pairs, texts, idf, false, cosineThreshold));
      shaped.add(() -> cacheShaped(entry.getKey(), pairs, texts, idf, true, meanThreshold));
    }
    if (promotion) {
      Text[] texts = encoded.values().iterator().next();
      IdfWeights idf = storedQuestionIdf(pairs, texts);
      double[] cosine = new double[pairs.size()];
      double[] verifier = new double[pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        Text a = texts[2 * i];
        Text b = texts[2 * i + 1];
        cosine[i] = dot(a.sentence(), b.sentence());
        verifier[i] =
            (cosine[i]
                    + TokenAlignment.f1(b.ids(), b.tokenVectors(), a.ids(), a.tokenVectors(), idf))
                / 2;
      }
      PromotionReplay.run(pairs, cosine, verifier, pass);
      return;
    }
    if (serviceReplay != null) {
      Text[] texts = encoded.values().iterator().next();
      double[] cosine = new double[pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        cosine[i] = dot(texts[2 * i].sentence(), texts[2 * i + 1].sentence());
      }
      String[] parts = serviceReplay.split(",");
      serviceReplay(
          pairs,
          cosine,
          pass,
          Double.parseDouble(parts[0]),
          parts.length > 1 ? Double.parseDouble(parts[1]) : REVEALED,
          parts.length > 2 && parts[2].equals("lookups"));
      return;
    }
    if (replayBound > 0) {
      Text[] texts = encoded.values().iterator().next();
      double[] cosine = new double[pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        cosine[i] = dot(texts[2 * i].sentence(), texts[2 * i + 1].sentence());
      }
      replay(pairs, cosine, pass, replayBound);
      return;
    }
    if (encoded.size() > 1) {
      // Two encoders together: the mean of their cosines, and of all their scores.
      double[] cosines = new double[pairs.size()];
      double[] all = new double[pairs.size()];
      for (Map.Entry<BundledModel, Text[]> entry : encoded.entrySet()) {
        Text[] texts = entry.getValue();
        IdfWeights idf = storedQuestionIdf(pairs, texts);
        for (int i = 0; i < pairs.size(); i++) {
          Text a = texts[2 * i];
          Text b = texts[2 * i + 1];
          double cosine = dot(a.sentence(), b.sentence());
          cosines[i] += cosine / encoded.size();
          all[i] +=
              (cosine
                      + TokenAlignment.f1(
                          b.ids(), b.tokenVectors(), a.ids(), a.tokenVectors(), idf))
                  / (2 * encoded.size());
        }
      }
      String names =
          String.join("+", encoded.keySet().stream().map(VerifierEvaluation::name).toList());
      reportNamed(names, "mean of the cosines", pairs, cosines, pass);
      reportNamed(names, "mean of cosines and alignments", pairs, all, pass);
    }
    if (cacheShaped) {
      System.out.println();
      System.out.println(
          "Cache-shaped: distinct a's in one HNSW index, held-out b's looked up (4 candidates,"
              + " guards on, the tuned threshold)");
      System.out.println(
          "| model | decision | threshold | duplicates answered with their own a | … with"
              + " another stored question | non-duplicates answered with their own a (false"
              + " hits) | … with another stored question |");
      System.out.println("|---|---|---|---|---|---|---|");
      shaped.forEach(Runnable::run);
    }
  }

  /**
   * Every distinct {@code a} in one index; every held-out {@code b} looked up as the service does:
   * the 4 nearest by the index, in order, the first whose decision score reaches {@code threshold}
   * and that passes the guards answers.
   */
  private static void cacheShaped(
      BundledModel model,
      List<Pair> pairs,
      Text[] texts,
      IdfWeights idf,
      boolean verified,
      double threshold) {
    if (Double.isNaN(threshold)) {
      return;
    }
    QuestionGuards guards = new QuestionGuards(SemanticPolicy.BUILT_IN.maxKeyWordDifference());
    String context = "00000000000000000000000000000000";
    Map<String, Integer> firstPair = new HashMap<>();
    List<Integer> stored = new java.util.ArrayList<>();
    try (VectorIndex index = new VectorIndex(texts[0].sentence().length, 16, 100)) {
      index.beginBulkLoad();
      for (int i = 0; i < pairs.size(); i++) {
        if (firstPair.putIfAbsent(pairs.get(i).a(), i) == null) {
          index.put(
              String.format(Locale.ROOT, "%032x", stored.size()),
              context,
              texts[2 * i].sentence(),
              Long.MAX_VALUE);
          stored.add(i);
        }
      }
      index.endBulkLoad();
      int[] dup = new int[4];
      int[] nonDup = new int[4];
      for (int i = 0; i < pairs.size(); i++) {
        Pair pair = pairs.get(i);
        if (!pair.heldOut()) {
          continue;
        }
        Text b = texts[2 * i + 1];
        String hit = null;
        for (VectorIndex.Candidate candidate : index.search(context, b.sentence(), 4)) {
          int storedPair = stored.get(Integer.parseInt(candidate.entryId(), 16));
          Text a = texts[2 * storedPair];
          double score = dot(b.sentence(), a.sentence());
          if (verified) {
            score =
                (score
                        + TokenAlignment.f1(
                            b.ids(), b.tokenVectors(), a.ids(), a.tokenVectors(), idf))
                    / 2;
          }
          String question = pairs.get(storedPair).a();
          if (score >= threshold && guards.refusal(pair.b(), question).isEmpty()) {
            hit = question;
            break;
          }
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
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %.3f | %.1f%% | %.1f%% | %.2f%% | %.2f%% |%n",
          name(model),
          verified ? "mean of cosine and alignment" : "cosine",
          threshold,
          100.0 * dup[1] / dup[0],
          100.0 * dup[2] / dup[0],
          100.0 * nonDup[1] / nonDup[0],
          100.0 * nonDup[2] / nonDup[0]);
    }
  }

  /** The replay's sampled share of lookups whose verdict is revealed. */
  private static final double REVEALED = 0.10;

  /** Cosines below this are never candidates in the replay (far from any threshold in use). */
  private static final double REPLAY_FLOOR = 0.80;

  private static final int WINDOW = 2000;

  /**
   * A simulation of a per-route error bound learned online (in the manner of vCache): the pairs are
   * looked up in file order; a lookup whose best candidate passes the guards with cosine ≥ the
   * current threshold is a hit, else a miss. A fixed-seed sample of {@value #REVEALED} of the
   * lookups with a candidate above {@value #REPLAY_FLOOR} has its verdict revealed — for a hit, the
   * shadow re-ask; for a miss, the comparison of the model's fresh answer (asked anyway on a miss)
   * with the candidate's — so verdicts come from both sides of the threshold without serving a
   * doubtful answer. The threshold starts at 1 (no hits) and is, after every revealed verdict, the
   * lowest one whose Clopper–Pearson 95% upper bound of false hits per lookup is within {@code
   * bound}: (wrong verdicts at or above it, out of the revealed ones) × (the share of lookups with
   * a candidate). Printed per window: hits, false hits per lookup and per non-duplicate (the pair
   * tables' measure), the threshold at the window's end.
   */
  private static void replay(List<Pair> pairs, double[] cosine, boolean[] pass, double bound) {
    java.util.Random random = new java.util.Random(13);
    List<double[]> revealed = new java.util.ArrayList<>(); // {cosine, wrong ? 1 : 0}
    double threshold = 1.0;
    long lookups = 0;
    long candidates = 0;
    int[] window = new int[5]; // lookups, duplicates, duplicate hits, non-duplicates, false hits
    int[] total = new int[5];
    System.out.printf(
        Locale.ROOT,
        "Replay with a learned bound of %.1f%% false hits per lookup (%d%% of verdicts revealed)%n",
        100 * bound,
        Math.round(100 * REVEALED));
    System.out.println(
        "| lookups | threshold at end | duplicates hit | false hits per lookup | false hits per"
            + " non-duplicate |");
    System.out.println("|---|---|---|---|---|");
    for (int i = 0; i < pairs.size(); i++) {
      boolean duplicate = pairs.get(i).duplicate();
      boolean candidate = pass[i] && cosine[i] >= REPLAY_FLOOR;
      boolean hit = candidate && cosine[i] >= threshold;
      lookups++;
      int[][] both = {window, total};
      for (int[] w : both) {
        w[0]++;
        w[duplicate ? 1 : 3]++;
        if (hit) {
          w[duplicate ? 2 : 4]++;
        }
      }
      if (candidate) {
        candidates++;
        if (random.nextDouble() < REVEALED) {
          revealed.add(new double[] {cosine[i], duplicate ? 0 : 1});
          threshold = learnedThreshold(revealed, (double) candidates / lookups, bound);
        }
      }
      if ((i + 1) % WINDOW == 0 || i == pairs.size() - 1) {
        printWindow(i + 1, threshold, window);
        java.util.Arrays.fill(window, 0);
      }
    }
    System.out.print("all: ");
    printWindow(pairs.size(), threshold, total);
  }

  /**
   * {@code --replay-service=<bound>[,<shadow rate>[,lookups]]}: the pairs in file order through the
   * service's own rule ({@link ErrorBoundLearner} with the shipped {@code
   * tokenwise.cache.semantic.bound} settings). A lookup is a hit when its candidate passes the
   * guards with cosine ≥ the learned threshold; a fixed-seed share of the hits (the shadow rate)
   * reveals its verdict (wrong when the pair is not a duplicate), with the hit's cosine and the
   * threshold it was served under, as a shadow re-ask or client feedback would; misses give none.
   * The bound is the service's: wrong answers among hits, or with {@code lookups} (a route's {@code
   * false-hit-rate-of: lookups}) among all lookups, each lookup counted by {@link LookupShares} as
   * the service counts it. Printed per window: duplicates hit, false hits per hit, per lookup and
   * per non-duplicate, and the threshold at the window's end.
   */
  private static void serviceReplay(
      List<Pair> pairs,
      double[] cosine,
      boolean[] pass,
      double bound,
      double shadowRate,
      boolean perLookup) {
    // The shipped defaults, bound as the service binds them (no values set: every @DefaultValue).
    SemanticCacheProperties.ErrorBound settings =
        new org.springframework.boot.context.properties.bind.Binder(
                new org.springframework.boot.context.properties.source
                    .MapConfigurationPropertySource())
            .bindOrCreate("bound", SemanticCacheProperties.ErrorBound.class);
    // Per lookup: the service's own count of the route's latest lookups (LookupShares).
    LookupShares shares = new LookupShares(settings.shareWindow());
    ErrorBoundLearner learner = new ErrorBoundLearner(settings);
    ErrorBoundLearner.State state = learner.initial();
    java.util.ArrayDeque<ErrorBoundLearner.Verdict> window = new java.util.ArrayDeque<>();
    java.util.Random random = new java.util.Random(13);
    int[] counts =
        new int[6]; // lookups, duplicates, duplicate hits, non-duplicates, false hits, hits
    int[] total = new int[6];
    int verdicts = 0;
    System.out.printf(
        Locale.ROOT,
        "Service rule: maxFalseHitRate %.3f per %s, shadow rate %.2f, start %.3f, floor %.2f,"
            + " step %.3f, %d verdicts per step, window %d%n",
        bound,
        perLookup ? "lookup" : "hit",
        shadowRate,
        settings.startThreshold(),
        settings.floor(),
        settings.step(),
        settings.verdictsPerStep(),
        settings.window());
    System.out.println(
        "| lookups | threshold at end | verdicts so far | duplicates hit | false hits per hit |"
            + " false hits per lookup | false hits per non-duplicate |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int i = 0; i < pairs.size(); i++) {
      boolean duplicate = pairs.get(i).duplicate();
      boolean hit = pass[i] && cosine[i] >= state.threshold() - 1e-9;
      // As the service counts: a hit at its similarity, a miss at its nearest entry's, before
      // guards.
      shares.record("replay", cosine[i]);
      for (int[] w : new int[][] {counts, total}) {
        w[0]++;
        w[duplicate ? 1 : 3]++;
        if (hit) {
          w[duplicate ? 2 : 4]++;
          w[5]++;
        }
      }
      if (hit && random.nextDouble() < shadowRate) {
        window.addFirst(new ErrorBoundLearner.Verdict(cosine[i], state.threshold(), !duplicate));
        while (window.size() > settings.window()) {
          window.removeLast();
        }
        state =
            learner.next(
                state,
                List.copyOf(window),
                bound,
                perLookup ? shares.of("replay") : ErrorBoundLearner.PER_HIT);
        verdicts++;
      }
      if ((i + 1) % WINDOW == 0 || i == pairs.size() - 1) {
        printServiceWindow(Integer.toString(i + 1), state.threshold(), verdicts, counts);
        java.util.Arrays.fill(counts, 0);
      }
    }
    printServiceWindow("all", state.threshold(), verdicts, total);
  }

  private static void printServiceWindow(String upTo, double threshold, int verdicts, int[] w) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.3f | %d | %.1f%% | %.2f%% | %.2f%% | %.2f%% |%n",
        upTo,
        threshold,
        verdicts,
        100.0 * w[2] / Math.max(1, w[1]),
        100.0 * w[4] / Math.max(1, w[5]),
        100.0 * w[4] / Math.max(1, w[0]),
        100.0 * w[4] / Math.max(1, w[3]));
  }

  private static double learnedThreshold(
      List<double[]> revealed, double candidateShare, double bound) {
    int n = revealed.size();
    for (int t = (int) Math.round(REPLAY_FLOOR * 1000); t <= 1000; t++) {
      double threshold = t / 1000.0;
      long wrong = 0;
      for (double[] verdict : revealed) {
        if (verdict[0] >= threshold && verdict[1] == 1) {
          wrong++;
        }
      }
      if (FalseHitBound.upper(wrong, n) * candidateShare <= bound) {
        return threshold;
      }
    }
    return 1.0;
  }

  private static void printWindow(int upTo, double threshold, int[] w) {
    System.out.printf(
        Locale.ROOT,
        "| %d | %.3f | %.1f%% | %.2f%% | %.2f%% |%n",
        upTo,
        threshold,
        100.0 * w[2] / Math.max(1, w[1]),
        100.0 * w[4] / Math.max(1, w[0]),
        100.0 * w[4] / Math.max(1, w[3]));
  }

  /** idf over the distinct stored questions (the a's), as the cache counts its own entries. */
  static IdfWeights storedQuestionIdf(List<Pair> pairs, Text[] texts) {
    IdfWeights idf = new IdfWeights();
    Map<String, Boolean> seen = new HashMap<>();
    for (int i = 0; i < pairs.size(); i++) {
      if (seen.putIfAbsent(pairs.get(i).a(), Boolean.TRUE) == null) {
        idf.add(texts[2 * i].ids());
      }
    }
    return idf;
  }

  /** Prints the row; returns the threshold chosen on the tuning split (NaN when none fits). */
  private static double report(
      BundledModel model, String decision, List<Pair> pairs, double[] score, boolean[] pass) {
    return reportNamed(name(model), decision, pairs, score, pass);
  }

  private static double reportNamed(
      String model, String decision, List<Pair> pairs, double[] score, boolean[] pass) {
    double bestThreshold = Double.NaN;
    double[] best = null;
    for (int t = 500; t <= 999; t++) {
      double threshold = t / 1000.0;
      double[] tuned = rates(pairs, score, pass, threshold, false);
      if (tuned[1] <= TUNING_BUDGET && (best == null || tuned[0] > best[0])) {
        best = tuned;
        bestThreshold = threshold;
      }
    }
    if (best == null) {
      System.out.printf(Locale.ROOT, "| %s | %s | – | none within budget | – |%n", model, decision);
      return Double.NaN;
    }
    double[] held = rates(pairs, score, pass, bestThreshold, true);
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %.3f | %.1f%% / %.2f%% | %.1f%% / %.2f%% |%n",
        model,
        decision,
        bestThreshold,
        100 * best[0],
        100 * best[1],
        100 * held[0],
        100 * held[1]);
    return bestThreshold;
  }

  static double[] rates(
      List<Pair> pairs, double[] score, boolean[] pass, double threshold, boolean heldOut) {
    int duplicates = 0;
    int hits = 0;
    int others = 0;
    int falseHits = 0;
    for (int i = 0; i < pairs.size(); i++) {
      if (pairs.get(i).heldOut() != heldOut) {
        continue;
      }
      boolean hit = score[i] >= threshold && (pass == null || pass[i]);
      if (pairs.get(i).duplicate()) {
        duplicates++;
        hits += hit ? 1 : 0;
      } else {
        others++;
        falseHits += hit ? 1 : 0;
      }
    }
    return new double[] {(double) hits / duplicates, (double) falseHits / others};
  }

  static String fileName(BundledModel model) {
    return "qqp-tokens-" + name(model) + ".bin";
  }

  static Text[] encode(BundledModel model, List<Pair> pairs, Path file) throws IOException {
    int count = pairs.size() * 2;
    if (file != null && Files.exists(file)) {
      try (DataInputStream in =
          new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
        if (in.readInt() == count) {
          Text[] texts = new Text[count];
          for (int n = 0; n < count; n++) {
            texts[n] = read(in);
          }
          return texts;
        }
      }
    }
    Text[] texts = new Text[count];
    try (TokenEncoder encoder = model.load(Integer.getInteger("onnx.threads", 0))) {
      Map<String, Text> byText = new HashMap<>();
      for (int n = 0; n < count; n++) {
        Pair pair = pairs.get(n / 2);
        String text = n % 2 == 0 ? pair.a() : pair.b();
        texts[n] = byText.computeIfAbsent(text, t -> Text.of(encoder.encode(t)));
        if (n % 5000 == 0) {
          System.out.printf(Locale.ROOT, "%s: %d/%d%n", model, n, count);
        }
      }
    } catch (ai.onnxruntime.OrtException e) {
      throw new IllegalStateException(e);
    }
    if (file != null) {
      try (DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
        out.writeInt(count);
        for (Text text : texts) {
          write(out, text);
        }
      }
    }
    return texts;
  }

  private static void write(DataOutputStream out, Text text) throws IOException {
    out.writeInt(text.sentence().length);
    for (float v : text.sentence()) {
      out.writeFloat(v);
    }
    out.writeInt(text.ids().length);
    for (int t = 0; t < text.ids().length; t++) {
      out.writeLong(text.ids()[t]);
      out.writeFloat(text.scales()[t]);
      out.write(text.tokens()[t]);
    }
  }

  private static Text read(DataInputStream in) throws IOException {
    int dimension = in.readInt();
    float[] sentence = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      sentence[d] = in.readFloat();
    }
    int length = in.readInt();
    long[] ids = new long[length];
    float[] scales = new float[length];
    byte[][] tokens = new byte[length][dimension];
    for (int t = 0; t < length; t++) {
      ids[t] = in.readLong();
      scales[t] = in.readFloat();
      in.readFully(tokens[t]);
    }
    return new Text(sentence, ids, tokens, scales);
  }

  /** minilm, bge, e5 on the command line and in file names. */
  static BundledModel model(String name) {
    return switch (name.trim()) {
      case "minilm" -> BundledModel.MINILM;
      case "bge" -> BundledModel.BGE_SMALL;
      case "e5" -> BundledModel.E5_SMALL;
      default -> throw new IllegalArgumentException("unknown model " + name);
    };
  }

  static String name(BundledModel model) {
    return switch (model) {
      case MINILM -> "minilm";
      case BGE_SMALL -> "bge";
      case E5_SMALL -> "e5";
    };
  }

  /**
   * {@code --weakest}: the pooled cosine, gated by the weakest rare word. For each word piece rare
   * among the stored questions (idf at least {@code ln 20}: in fewer than about 5% of them), its
   * best match in the other question; the pair's score is the lowest of these, both ways. A minimal
   * edit ("Wayne County" for "Warren County") leaves one rare piece with no good match while a
   * rewording keeps every rare piece matched. For each gate the cosine's threshold is read off the
   * tuning split as for the other decisions. Evaluation only.
   */
  private static void reportWeakest(
      BundledModel model,
      List<Pair> pairs,
      Text[] texts,
      IdfWeights idf,
      double[] cosine,
      boolean[] pass) {
    double rare = Math.log(20);
    double[] weakest = new double[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      Text a = texts[2 * i];
      Text b = texts[2 * i + 1];
      float[][] av = a.tokenVectors();
      float[][] bv = b.tokenVectors();
      weakest[i] =
          Math.min(
              weakestMatch(a.ids(), av, bv, idf, rare), weakestMatch(b.ids(), bv, av, idf, rare));
    }
    for (double gate : new double[] {0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9}) {
      double[] gated = new double[pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        gated[i] = weakest[i] >= gate ? cosine[i] : 0;
      }
      report(
          model,
          String.format(Locale.ROOT, "cosine, weakest rare word ≥ %.2f", gate),
          pairs,
          gated,
          pass);
    }
  }

  private static double weakestMatch(
      long[] ids, float[][] from, float[][] to, IdfWeights idf, double rare) {
    double weakest = 1;
    for (int i = 0; i < from.length; i++) {
      if (idf.weight(ids[i]) < rare) {
        continue;
      }
      double best = -1;
      for (float[] other : to) {
        best = Math.max(best, dot(from[i], other));
      }
      weakest = Math.min(weakest, best);
    }
    return weakest;
  }

  static double dot(float[] x, float[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }
}
