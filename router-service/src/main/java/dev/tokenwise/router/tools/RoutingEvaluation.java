package dev.tokenwise.router.tools;

import dev.tokenwise.common.pricing.PriceCatalog;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.router.routing.HeuristicScorer;
import dev.tokenwise.router.routing.LinearRouterModel;
import dev.tokenwise.router.routing.PromptSignals;
import dev.tokenwise.router.routing.SentenceEmbedder;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Evaluates routers on a labelled file of prompts ({@code {"prompt","weakCorrect","strongCorrect"}}
 * per line) with k-fold cross-validation: each router is trained on k−1 folds and scored on the
 * held-out fold. Prints, per router, APGR (RouteLLM's average performance gap recovered: the area
 * under PGR = (quality − cheap quality) / (strong quality − cheap quality) as the share of strong
 * calls goes from 0 to 1), and at the target share of strong calls the realised share, quality and
 * cost at list prices. With {@code --write <file>} it trains the learned router on the whole file
 * and writes its weights (no prompt text) for the router to ship.
 *
 * <pre>
 * java -cp ... dev.tokenwise.router.tools.RoutingEvaluation ../shared/data/routing-dev.jsonl \
 *   [--folds 5] [--strong-share 0.5] [--cheap gpt-5-mini] [--strong gpt-5] [--output-tokens 100] \
 *   [--embeddings-cache /tmp/routing-dev.emb] [--write src/main/resources/routing/minilm-ridge.json]
 * </pre>
 */
public final class RoutingEvaluation {

  record Example(String prompt, boolean weak, boolean strong) {
    double gain() {
      return (strong ? 1 : 0) - (weak ? 1 : 0);
    }
  }

  /** Trains on some examples and scores others: higher means "send to the strong tier". */
  interface Router {
    double[] scores(List<Integer> train, List<Integer> test);
  }

  record FoldResult(double apgr, double share, double quality, BigDecimal cost) {}

  private final List<Example> examples;
  private final List<float[]> embeddings;
  private final double strongShare;
  private final double[] cheapCost;
  private final double[] strongCost;

  RoutingEvaluation(
      List<Example> examples,
      List<float[]> embeddings,
      double strongShare,
      double[] cheapCost,
      double[] strongCost) {
    this.examples = examples;
    this.embeddings = embeddings;
    this.strongShare = strongShare;
    this.cheapCost = cheapCost;
    this.strongCost = strongCost;
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: RoutingEvaluation <routing-dev.jsonl> [options]");
      System.exit(2);
    }
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    Path data = Path.of(args[0]);
    int folds = Integer.parseInt(options.getOrDefault("folds", "5"));
    double share = Double.parseDouble(options.getOrDefault("strong-share", "0.5"));
    String cheap = options.getOrDefault("cheap", "gpt-5-mini");
    String strong = options.getOrDefault("strong", "gpt-5");
    long outputTokens = Long.parseLong(options.getOrDefault("output-tokens", "100"));
    JsonMapper json = JsonMapper.builder().build();

    List<Example> examples = read(data, json);
    long started = System.nanoTime();
    List<float[]> embeddings = embed(examples, options.get("embeddings-cache"));
    double embedSeconds = (System.nanoTime() - started) / 1e9;

    PriceCatalog catalog = PriceCatalogs.bundled().current();
    double[] cheapCost = costs(examples, catalog, cheap, outputTokens);
    double[] strongCost = costs(examples, catalog, strong, outputTokens);
    RoutingEvaluation evaluation =
        new RoutingEvaluation(examples, embeddings, share, cheapCost, strongCost);

    System.out.printf(
        Locale.ROOT,
        "data: %s, %d prompts; cheap correct %.3f, strong correct %.3f; %d-fold CV;"
            + " embedding %.0f s; prices: catalog %s, %s -> %s, %d output tokens per answer%n%n",
        data,
        examples.size(),
        examples.stream().filter(Example::weak).count() / (double) examples.size(),
        examples.stream().filter(Example::strong).count() / (double) examples.size(),
        folds,
        embedSeconds,
        catalog.version(),
        cheap,
        strong,
        outputTokens);
    Map<String, Router> routers = new LinkedHashMap<>();
    routers.put("random", evaluation.random());
    routers.put("prompt length", evaluation.fixed(e -> (double) e.prompt().length()));
    HeuristicScorer heuristic = new HeuristicScorer();
    routers.put(
        "heuristic scorer",
        evaluation.fixed(e -> heuristic.score(PromptSignals.ofText(e.prompt()))));
    for (double lambda : new double[] {1, 3, 10}) {
      routers.put("MiniLM ridge λ=" + (int) lambda, evaluation.ridge(lambda));
    }
    for (int k : new int[] {50}) {
      routers.put("MiniLM kNN k=" + k, evaluation.knn(k));
    }
    routers.put("oracle (labels)", evaluation.fixed(Example::gain));
    System.out.printf(
        Locale.ROOT,
        "| router | APGR (held-out, mean ± sd) | strong share | quality | cost USD (%d prompts) |%n",
        examples.size());
    System.out.println("|---|---|---|---|---|");
    for (var entry : routers.entrySet()) {
      List<FoldResult> results = evaluation.crossValidate(entry.getValue(), folds, 7);
      double mean = results.stream().mapToDouble(FoldResult::apgr).average().orElse(0);
      double sd =
          Math.sqrt(
              results.stream().mapToDouble(r -> (r.apgr() - mean) * (r.apgr() - mean)).sum()
                  / Math.max(1, results.size() - 1));
      double shareMean = results.stream().mapToDouble(FoldResult::share).average().orElse(0);
      double quality = results.stream().mapToDouble(FoldResult::quality).average().orElse(0);
      BigDecimal cost =
          results.stream().map(FoldResult::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.3f ± %.3f | %.3f | %.3f | %s |%n",
          entry.getKey(),
          mean,
          sd,
          shareMean,
          quality,
          cost.setScale(4, RoundingMode.HALF_EVEN).toPlainString());
    }
    System.out.printf(
        Locale.ROOT,
        "%nall cheap: quality %.3f, cost %s; all strong: quality %.3f, cost %s%n",
        examples.stream().filter(Example::weak).count() / (double) examples.size(),
        money(sum(cheapCost)),
        examples.stream().filter(Example::strong).count() / (double) examples.size(),
        money(sum(strongCost)));

    String write = options.get("write");
    if (write != null) {
      double lambda = Double.parseDouble(options.getOrDefault("lambda", "10"));
      double[] targets = examples.stream().mapToDouble(Example::gain).toArray();
      LinearRouterModel model =
          LinearRouterModel.fit(embeddings, targets, lambda, "strong-minus-cheap-correct");
      model.write(Path.of(write), json);
      System.out.println("wrote " + model + " to " + write);
    }
  }

  Router random() {
    return (train, test) -> {
      Random random = new Random(test.get(0));
      return test.stream().mapToDouble(i -> random.nextDouble()).toArray();
    };
  }

  Router fixed(Function<Example, Double> score) {
    return (train, test) -> test.stream().mapToDouble(i -> score.apply(examples.get(i))).toArray();
  }

  Router ridge(double lambda) {
    return (train, test) -> {
      LinearRouterModel model =
          LinearRouterModel.fit(
              train.stream().map(embeddings::get).toList(),
              train.stream().mapToDouble(i -> examples.get(i).gain()).toArray(),
              lambda,
              "strong-minus-cheap-correct");
      return test.stream().mapToDouble(i -> model.score(embeddings.get(i))).toArray();
    };
  }

  /** Mean gain of the k most similar training prompts (cosine; embeddings are unit length). */
  Router knn(int k) {
    return (train, test) ->
        test.parallelStream()
            .mapToDouble(
                i -> {
                  float[] q = embeddings.get(i);
                  double[] sims = new double[train.size()];
                  for (int t = 0; t < sims.length; t++) {
                    float[] x = embeddings.get(train.get(t));
                    double dot = 0;
                    for (int d = 0; d < q.length; d++) {
                      dot += q[d] * x[d];
                    }
                    sims[t] = dot;
                  }
                  Integer[] order = new Integer[sims.length];
                  for (int t = 0; t < order.length; t++) {
                    order[t] = t;
                  }
                  java.util.Arrays.sort(order, Comparator.comparingDouble(t -> -sims[t]));
                  double sum = 0;
                  for (int n = 0; n < Math.min(k, order.length); n++) {
                    sum += examples.get(train.get(order[n])).gain();
                  }
                  return sum / k;
                })
            .toArray();
  }

  List<FoldResult> crossValidate(Router router, int folds, long seed) {
    List<Integer> order = new ArrayList<>(IntStream.range(0, examples.size()).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    List<FoldResult> results = new ArrayList<>();
    for (int f = 0; f < folds; f++) {
      int from = f * order.size() / folds;
      int to = (f + 1) * order.size() / folds;
      List<Integer> test = order.subList(from, to);
      List<Integer> train = new ArrayList<>(order.subList(0, from));
      train.addAll(order.subList(to, order.size()));
      double[] trainScores = router.scores(train, train);
      double threshold = LinearRouterModelQuantile.threshold(trainScores, strongShare);
      double[] scores = router.scores(train, test);
      results.add(evaluate(test, scores, threshold));
    }
    return results;
  }

  FoldResult evaluate(List<Integer> test, double[] scores, double threshold) {
    int n = test.size();
    double weak = 0;
    double strong = 0;
    for (int i : test) {
      weak += examples.get(i).weak() ? 1 : 0;
      strong += examples.get(i).strong() ? 1 : 0;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // Ties in score go strong in a seeded random order, so a constant scorer earns 0.5.
    Random tieBreak = new Random(n);
    double[] jitter = tieBreak.doubles(n).toArray();
    java.util.Arrays.sort(
        order,
        Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingDouble(i -> jitter[i]));
    double gap = strong - weak;
    double correct = weak;
    double previous = 0;
    double area = 0;
    for (int rank = 0; rank < n; rank++) {
      Example e = examples.get(test.get(order[rank]));
      correct += e.gain();
      double pgr = (correct - weak) / gap;
      area += (previous + pgr) / 2;
      previous = pgr;
    }
    double apgr = area / n;
    int strongCalls = 0;
    double quality = 0;
    double cost = 0;
    for (int i = 0; i < n; i++) {
      int row = test.get(i);
      boolean goStrong = scores[i] > threshold;
      strongCalls += goStrong ? 1 : 0;
      Example e = examples.get(row);
      quality += (goStrong ? e.strong() : e.weak()) ? 1 : 0;
      cost += goStrong ? strongCost[row] : cheapCost[row];
    }
    return new FoldResult(apgr, strongCalls / (double) n, quality / n, money(cost));
  }

  /** Threshold such that about {@code share} of the scores lie strictly above it. */
  static final class LinearRouterModelQuantile {
    static double threshold(double[] scores, double share) {
      double[] sorted = scores.clone();
      java.util.Arrays.sort(sorted);
      int index = (int) Math.floor((1 - share) * sorted.length) - 1;
      return index < 0 ? Double.NEGATIVE_INFINITY : sorted[Math.min(index, sorted.length - 1)];
    }
  }

  static List<Example> read(Path data, JsonMapper json) throws IOException {
    List<Example> examples = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(data)) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode row = json.readTree(line);
        examples.add(
            new Example(
                row.path("prompt").asString(),
                row.path("weakCorrect").asBoolean(),
                row.path("strongCorrect").asBoolean()));
      }
    }
    return examples;
  }

  /** Embeds every prompt, or reads the vectors a previous run cached for the same prompts. */
  static List<float[]> embed(List<Example> examples, String cache) throws IOException {
    int hash = examples.stream().map(Example::prompt).toList().hashCode();
    if (cache != null && Files.exists(Path.of(cache))) {
      try (DataInputStream in = new DataInputStream(Files.newInputStream(Path.of(cache)))) {
        if (in.readInt() == hash && in.readInt() == examples.size()) {
          int dim = in.readInt();
          List<float[]> vectors = new ArrayList<>();
          for (int i = 0; i < examples.size(); i++) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
              v[d] = in.readFloat();
            }
            vectors.add(v);
          }
          return vectors;
        }
      }
    }
    SentenceEmbedder embedder = SentenceEmbedder.shared();
    List<float[]> vectors =
        IntStream.range(0, examples.size())
            .parallel()
            .mapToObj(i -> embedder.embed(examples.get(i).prompt()))
            .toList();
    if (cache != null) {
      try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(cache)))) {
        out.writeInt(hash);
        out.writeInt(examples.size());
        out.writeInt(vectors.get(0).length);
        for (float[] v : vectors) {
          for (float x : v) {
            out.writeFloat(x);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return vectors;
  }

  static double[] costs(List<Example> examples, PriceCatalog catalog, String model, long output) {
    Rates rates = catalog.require(model).rates();
    TokenEstimator tokens = TokenEstimator.shared();
    double[] costs = new double[examples.size()];
    for (int i = 0; i < costs.length; i++) {
      long input =
          tokens.countChat(
              model, List.of(new TokenEstimator.Message("user", examples.get(i).prompt())));
      costs[i] =
          (input * rates.input().doubleValue() + output * rates.output().doubleValue()) / 1e6;
    }
    return costs;
  }

  private static double sum(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }

  private static BigDecimal money(double usd) {
    return new BigDecimal(usd, MathContext.DECIMAL64).setScale(6, RoundingMode.HALF_EVEN);
  }
}
