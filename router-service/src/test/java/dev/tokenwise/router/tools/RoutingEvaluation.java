package dev.tokenwise.router.tools;

import dev.tokenwise.common.pricing.PriceCatalog;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.router.routing.HeuristicScorer;
import dev.tokenwise.router.routing.LinearRouterModel;
import dev.tokenwise.router.routing.LinearRouterTraining;
import dev.tokenwise.router.routing.PromptFeatures;
import dev.tokenwise.router.routing.PromptSignals;
import dev.tokenwise.router.routing.SentenceEmbedder;
import dev.tokenwise.router.routing.learning.Exploration;
import dev.tokenwise.router.routing.learning.ModelCheck;
import dev.tokenwise.router.routing.learning.RoutingVerdict;
import dev.tokenwise.router.routing.learning.VerdictTrainer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
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
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Evaluates routers on a labelled file of prompts ({@code {"prompt","weakCorrect","strongCorrect"}}
 * per line) with k-fold cross-validation: each router is trained on k−1 folds and scored on the
 * held-out fold. Prints, per router, APGR (RouteLLM's average performance gap recovered: the area
 * under PGR = (quality − cheap quality) / (strong quality − cheap quality) as the share of strong
 * calls goes from 0 to 1), and at the target share of strong calls the realised share, quality and
 * cost at list prices. With {@code --write <file>} it trains the shipped learned router — ridge on
 * the MiniLM embedding and {@link PromptFeatures} — on the project's own labelled examples ({@code
 * --train}, default {@code src/test/resources/routing/examples.jsonl}), never on the evaluated
 * file, and writes its weights (no prompt text). {@code --only a,b} runs the routers whose names
 * contain one of the words.
 *
 * <p>With {@code --stream <verdicts>} it instead simulates the router retraining itself from
 * verdicts ({@link #streamVerdicts}) and prints the learning curve.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:... dev.tokenwise.router.tools.RoutingEvaluation \
 *   "$TOKENWISE_DATA/routing-dev.jsonl" \
 *   [--folds 5] [--strong-share 0.5] [--cheap gpt-5-mini] [--strong gpt-5] [--output-tokens 100] \
 *   [--embeddings-cache /tmp/routing-dev.emb] [--only ridge,knn] [--mlp-seeds 1] \
 *   [--shipped model.json] \
 *   [--stream 2000 --every 500 [--holdout 0.3] [--explore 0.05] [--shadow 0.15] [--shadow-strong 0] [--seed 11] [--stream-mlp yes]
 *      [--prior 10] [--ridge 10] [--max-weight 5]] \
 *   [--write src/main/resources/routing/minilm-ridge.json [--train examples.jsonl] [--lambda 3]]
 * </pre>
 */
public final class RoutingEvaluation {

  record Example(String prompt, boolean weak, boolean strong) {
    double gain() {
      return (strong ? 1 : 0) - (weak ? 1 : 0);
    }
  }

  /** Trains on some examples; the result scores any example: higher means "send strong". */
  interface Router {
    IntToDoubleFunction fit(List<Integer> train);
  }

  record FoldResult(double apgr, double share, double quality, BigDecimal cost) {}

  private final List<Example> examples;
  private final List<float[]> embeddings;
  private final List<double[]> features;
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
    this.features = examples.stream().map(e -> PromptFeatures.of(e.prompt())).toList();
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
    LinearRouterModel shipped =
        options.containsKey("shipped")
            ? LinearRouterModel.read(Path.of(options.get("shipped")), json)
            : LinearRouterModel.bundled(json);
    if (options.containsKey("stream")) {
      evaluation.streamVerdicts(options, shipped);
      return;
    }
    Set<String> only =
        options.containsKey("only") ? Set.of(options.get("only").split(",")) : Set.of();
    for (double lambda : new double[] {10}) {
      routers.put("MiniLM ridge λ=" + (int) lambda, evaluation.ridge(lambda));
    }
    routers.put("MiniLM kNN k=50", evaluation.knn(50));
    routers.put("signals ridge λ=10", evaluation.signalsRidge(10));
    for (double lambda : new double[] {10, 30}) {
      routers.put("MiniLM + signals ridge λ=" + (int) lambda, evaluation.combinedRidge(lambda));
    }
    int seeds = Integer.parseInt(options.getOrDefault("mlp-seeds", "1"));
    routers.put(
        "MiniLM + signals two-head MLP (32 hidden, 150 epochs, " + seeds + " seed(s))",
        evaluation.mlp(32, 150, seeds));
    routers.put(
        "shipped model (trained on the project's examples only)", evaluation.trained(shipped));
    routers.put("oracle (labels)", evaluation.fixed(Example::gain));
    System.out.printf(
        Locale.ROOT,
        "| router | APGR (held-out, mean ± sd) | strong share | quality | cost USD (%d prompts) |%n",
        examples.size());
    System.out.println("|---|---|---|---|---|");
    for (var entry : routers.entrySet()) {
      if (!only.isEmpty()
          && only.stream().noneMatch(o -> entry.getKey().toLowerCase(Locale.ROOT).contains(o))) {
        continue;
      }
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
      // The shipped weights come from the project's own labelled examples, never from the
      // evaluation file (its README: evaluation only).
      Path train =
          Path.of(options.getOrDefault("train", "src/test/resources/routing/examples.jsonl"));
      List<Example> own = read(train, json);
      double lambda = Double.parseDouble(options.getOrDefault("lambda", "3"));
      List<float[]> ownEmbeddings = embed(own, null);
      LinearRouterModel model =
          LinearRouterTraining.fitWithFeatures(
              ownEmbeddings,
              own.stream().map(e -> PromptFeatures.of(e.prompt())).toList(),
              own.stream().mapToDouble(Example::gain).toArray(),
              lambda,
              "strong-minus-cheap-correct");
      LinearRouterTraining.write(model, Path.of(write), json);
      System.out.println("wrote " + model + " trained on " + train + " to " + write);
    }
  }

  /**
   * Simulates the router retraining itself from verdicts. The examples, shuffled with a fixed seed,
   * are split into a held-out part (never served; the learning curve is measured on it) and a
   * stream. The router, starting from {@code shipped}, serves the stream at the target strong share
   * with {@link Exploration}; each served prompt yields one verdict: a shadow verdict knowing both
   * outcomes for a sample of the cheap-served prompts (production's shadow sampling), otherwise a
   * client's feedback knowing only the served tier's outcome. Every {@code --every} verdicts a
   * candidate is trained on the verdicts so far but the most recent ones ({@link VerdictTrainer},
   * warm-started from {@code shipped}), checked on those ({@link ModelCheck}) and served from then
   * on only if the check publishes it.
   */
  void streamVerdicts(Map<String, String> options, LinearRouterModel shipped) {
    int total = Integer.parseInt(options.get("stream"));
    int every = Integer.parseInt(options.getOrDefault("every", "500"));
    double holdout = Double.parseDouble(options.getOrDefault("holdout", "0.3"));
    double shadowRate = Double.parseDouble(options.getOrDefault("shadow", "0.15"));
    // Production shadows cheap-served answers only; this asks what shadowing the cheap tier on
    // strong-served prompts too (the outcome one-sided feedback never gives) would add.
    double strongShadowRate = Double.parseDouble(options.getOrDefault("shadow-strong", "0"));
    long seed = Long.parseLong(options.getOrDefault("seed", "11"));
    Exploration exploration =
        new Exploration(Double.parseDouble(options.getOrDefault("explore", "0.05")), seed);
    VerdictTrainer trainer =
        new VerdictTrainer(
            new VerdictTrainer.Settings(
                Double.parseDouble(options.getOrDefault("prior", "10")),
                Double.parseDouble(options.getOrDefault("ridge", "10")),
                Double.parseDouble(options.getOrDefault("max-weight", "5"))));
    ModelCheck check = new ModelCheck();

    List<Integer> order = new ArrayList<>(IntStream.range(0, examples.size()).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    int cut = (int) Math.round(order.size() * holdout);
    List<Integer> heldOut = order.subList(0, cut);
    List<Integer> stream = order.subList(cut, order.size());
    Random shadowSample = new Random(seed + 1);
    System.out.printf(
        Locale.ROOT,
        "stream: %d held-out prompts (never served), %d in the stream; exploration %.2f, shadow"
            + " verdicts for %.2f of cheap-served and %.2f of strong-served prompts, target strong"
            + " share %.2f; trainer %s%n%n",
        heldOut.size(),
        stream.size(),
        exploration.rate(),
        shadowRate,
        strongShadowRate,
        strongShare,
        trainer.settings());
    System.out.println(
        "| verdicts | both known | explored | check: metric, current → candidate | published |"
            + " served model's held-out APGR | candidate's held-out APGR |"
            + " full-label ridge on the same prompts |"
            + (options.containsKey("stream-mlp") ? " two-head MLP from the same verdicts |" : ""));
    System.out.println(
        "|---|---|---|---|---|---|---|---|" + (options.containsKey("stream-mlp") ? "---|" : ""));
    System.out.printf(
        Locale.ROOT,
        "| 0 | 0 | 0 | – | cold start (shipped) | %.3f | – | – |%n",
        heldOutApgr(shipped, heldOut));
    LinearRouterModel current = shipped;
    List<RoutingVerdict> verdicts = new ArrayList<>();
    int bothKnown = 0;
    int explored = 0;
    for (int p = 0; p < stream.size() && verdicts.size() < total; p++) {
      int row = stream.get(p);
      Example e = examples.get(row);
      float[] x = embeddings.get(row);
      double[] f = features.get(row);
      double score = current.score(current.input(x, f));
      int modelTier = score >= current.thresholdFor(strongShare) ? 1 : 0;
      Exploration.Decision decision = exploration.decide("request-" + row, modelTier);
      int tier = decision.tier();
      long at = 1_800_000_000_000L + p * 1000L;
      RoutingVerdict verdict =
          shadowSample.nextDouble() < (tier == 0 ? shadowRate : strongShadowRate)
              ? RoutingVerdict.shadow(
                  x, f, tier, e.weak(), e.strong(), at, decision.explored(), decision.propensity())
              : RoutingVerdict.feedback(
                  x,
                  f,
                  tier,
                  tier == 0 ? e.weak() : e.strong(),
                  at,
                  decision.explored(),
                  decision.propensity());
      verdicts.add(verdict);
      bothKnown += verdict.knowsBoth() ? 1 : 0;
      explored += decision.explored() ? 1 : 0;
      if (verdicts.size() % every == 0) {
        ModelCheck.Split split = check.split(verdicts);
        LinearRouterModel candidate = trainer.train(split.training(), shipped);
        ModelCheck.Decision verdictOnCandidate = check.decide(current, candidate, split.heldOut());
        if (verdictOnCandidate.publish()) {
          current = candidate;
        }
        List<Integer> served = stream.subList(0, p + 1);
        LinearRouterModel fullLabels =
            LinearRouterTraining.fitWithFeatures(
                served.stream().map(embeddings::get).toList(),
                served.stream().map(features::get).toList(),
                served.stream().mapToDouble(i -> examples.get(i).gain()).toArray(),
                30,
                "strong-minus-cheap-correct");
        String mlp = "";
        if (options.containsKey("stream-mlp")) {
          mlp = String.format(Locale.ROOT, " %.3f |", heldOutMlpApgr(split.training(), heldOut));
        }
        System.out.printf(
            Locale.ROOT,
            "| %d | %d | %d | %s %.3f → %.3f (%d) | %s | %.3f | %.3f | %.3f |%s%n",
            verdicts.size(),
            bothKnown,
            explored,
            verdictOnCandidate.metric(),
            verdictOnCandidate.current(),
            verdictOnCandidate.candidate(),
            verdictOnCandidate.heldOut(),
            verdictOnCandidate.publish() ? "yes" : "no",
            heldOutApgr(current, heldOut),
            heldOutApgr(candidate, heldOut),
            heldOutApgr(fullLabels, heldOut),
            mlp);
      }
    }
  }

  /**
   * The two-head network of {@link #mlp} trained on the verdicts (each head only on the outcomes a
   * verdict knows), scored on the held-out rows: evaluation only, the router ships linear models.
   */
  private double heldOutMlpApgr(List<RoutingVerdict> verdicts, List<Integer> rows) {
    int k = features.get(0).length;
    double[] means = new double[k];
    double[] scales = new double[k];
    for (RoutingVerdict v : verdicts) {
      for (int f = 0; f < k; f++) {
        means[f] += v.features()[f] / verdicts.size();
      }
    }
    for (RoutingVerdict v : verdicts) {
      for (int f = 0; f < k; f++) {
        double d = v.features()[f] - means[f];
        scales[f] += d * d / verdicts.size();
      }
    }
    for (int f = 0; f < k; f++) {
      scales[f] = Math.sqrt(scales[f]) + 1e-9;
    }
    java.util.function.BiFunction<float[], double[], float[]> input =
        (e, feats) -> {
          float[] x = new float[e.length + k];
          for (int d = 0; d < e.length; d++) {
            x[d] = 4 * e[d];
          }
          for (int f = 0; f < k; f++) {
            x[e.length + f] = (float) (0.5 * (feats[f] - means[f]) / scales[f]);
          }
          return x;
        };
    float[][] x =
        verdicts.stream()
            .map(v -> input.apply(v.embedding(), v.features()))
            .toArray(float[][]::new);
    double[][] y =
        verdicts.stream()
            .map(
                v ->
                    new double[] {
                      v.cheapGood() == null ? Double.NaN : v.cheapGood() ? 1 : 0,
                      v.strongGood() == null ? Double.NaN : v.strongGood() ? 1 : 0
                    })
            .toArray(double[][]::new);
    TwoHeadMlp net = TwoHeadMlp.fit(x, y, 32, 150, 3e-3, 1e-2, 0);
    double[] scores =
        rows.stream()
            .mapToDouble(i -> net.score(input.apply(embeddings.get(i), features.get(i))))
            .toArray();
    return evaluate(rows, scores, Double.POSITIVE_INFINITY).apgr();
  }

  private double heldOutApgr(LinearRouterModel model, List<Integer> rows) {
    double[] scores =
        rows.stream()
            .mapToDouble(i -> model.score(model.input(embeddings.get(i), features.get(i))))
            .toArray();
    return evaluate(rows, scores, model.thresholdFor(strongShare)).apgr();
  }

  Router random() {
    return train -> {
      long seed = train.get(0);
      return i -> new Random(seed * 31 + i).nextDouble();
    };
  }

  Router fixed(Function<Example, Double> score) {
    return train -> i -> score.apply(examples.get(i));
  }

  Router ridge(double lambda) {
    return train -> {
      LinearRouterModel model =
          LinearRouterTraining.fit(
              train.stream().map(embeddings::get).toList(),
              train.stream().mapToDouble(i -> examples.get(i).gain()).toArray(),
              lambda,
              "strong-minus-cheap-correct");
      return i -> model.score(embeddings.get(i));
    };
  }

  /** A model trained elsewhere, scored as it is (nothing is fitted on the folds). */
  Router trained(LinearRouterModel model) {
    return train ->
        i ->
            model.score(
                model.input(embeddings.get(i), model.features() == null ? null : features.get(i)));
  }

  /** Ridge on the surface features alone (no embedding). */
  Router signalsRidge(double lambda) {
    return train -> {
      float[] none = new float[0];
      LinearRouterModel model =
          LinearRouterTraining.fitWithFeatures(
              train.stream().map(i -> none).toList(),
              train.stream().map(features::get).toList(),
              train.stream().mapToDouble(i -> examples.get(i).gain()).toArray(),
              lambda,
              "strong-minus-cheap-correct");
      return i -> model.score(model.input(none, features.get(i)));
    };
  }

  /** Ridge on the embedding followed by the surface features: what the router can ship. */
  Router combinedRidge(double lambda) {
    return train -> {
      LinearRouterModel model =
          LinearRouterTraining.fitWithFeatures(
              train.stream().map(embeddings::get).toList(),
              train.stream().map(features::get).toList(),
              train.stream().mapToDouble(i -> examples.get(i).gain()).toArray(),
              lambda,
              "strong-minus-cheap-correct");
      return i -> model.score(model.input(embeddings.get(i), features.get(i)));
    };
  }

  /**
   * The two-head network over the embedding (×4) and the standardised features (×0.5), the mean of
   * {@code seeds} networks; evaluation only (the router ships linear models).
   */
  Router mlp(int hidden, int epochs, int seeds) {
    return train -> {
      int k = features.get(0).length;
      double[] means = new double[k];
      double[] scales = new double[k];
      for (int i : train) {
        for (int f = 0; f < k; f++) {
          means[f] += features.get(i)[f] / train.size();
        }
      }
      for (int i : train) {
        for (int f = 0; f < k; f++) {
          double d = features.get(i)[f] - means[f];
          scales[f] += d * d / train.size();
        }
      }
      for (int f = 0; f < k; f++) {
        scales[f] = Math.sqrt(scales[f]) + 1e-9;
      }
      Function<Integer, float[]> input =
          i -> {
            float[] e = embeddings.get(i);
            float[] x = new float[e.length + k];
            for (int d = 0; d < e.length; d++) {
              x[d] = 4 * e[d];
            }
            for (int f = 0; f < k; f++) {
              x[e.length + f] = (float) (0.5 * (features.get(i)[f] - means[f]) / scales[f]);
            }
            return x;
          };
      float[][] x = train.stream().map(input).toArray(float[][]::new);
      double[][] y =
          train.stream()
              .map(
                  i ->
                      new double[] {
                        examples.get(i).weak() ? 1 : 0, examples.get(i).strong() ? 1 : 0
                      })
              .toArray(double[][]::new);
      List<TwoHeadMlp> nets =
          IntStream.range(0, seeds)
              .parallel()
              .mapToObj(seed -> TwoHeadMlp.fit(x, y, hidden, epochs, 3e-3, 1e-2, seed))
              .toList();
      return i -> {
        float[] xi = input.apply(i);
        return nets.stream().mapToDouble(net -> net.score(xi)).average().orElse(0);
      };
    };
  }

  /** Mean gain of the k most similar training prompts (cosine; embeddings are unit length). */
  Router knn(int k) {
    return train ->
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
        };
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
      IntToDoubleFunction scorer = router.fit(train);
      double[] trainScores = train.parallelStream().mapToDouble(scorer::applyAsDouble).toArray();
      double threshold = LinearRouterModelQuantile.threshold(trainScores, strongShare);
      double[] scores = test.parallelStream().mapToDouble(scorer::applyAsDouble).toArray();
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
      try (DataInputStream in =
          new DataInputStream(new BufferedInputStream(Files.newInputStream(Path.of(cache))))) {
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
      try (DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(cache))))) {
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
