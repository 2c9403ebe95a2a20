package dev.tokenwise.simulator.quality;

import dev.tokenwise.simulator.model.ModelCatalog;
import dev.tokenwise.simulator.model.ModelCatalog.Skill;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Decides, deterministically, whether a model answers a prompt right: it does when its skill
 * exceeds the prompt's {@link Difficulty} plus a noise drawn from a hash of the prompt and the
 * model family. Counts the right and wrong answers served, per family, until reset.
 */
@Component
public class QualityWorld {

  /**
   * Scale of the noise: the mean of three uniform draws, centred, times this; a standard deviation
   * of about 0.1 and never beyond ±0.3, so a model is sometimes right above its skill and sometimes
   * wrong below it, but never on a prompt far from it.
   */
  static final double NOISE_SCALE = 0.6;

  private final ModelCatalog models;
  private final Map<String, Tally> served = new ConcurrentHashMap<>();

  public QualityWorld(ModelCatalog models) {
    this.models = models;
  }

  /** Right and wrong answers served to one model family. */
  public record Served(long right, long wrong) {}

  /** The truth about {@code model} answering a prompt whose question is {@code question}. */
  public Truth truth(String model, String question) {
    Skill skill = models.skill(model);
    Difficulty difficulty = Difficulty.of(question);
    byte[] luck = Hashes.sha256("noise", skill.family(), question);
    double noise =
        NOISE_SCALE
            * ((Hashes.uniform(luck, 0) + Hashes.uniform(luck, 1) + Hashes.uniform(luck, 2)) / 3
                - 0.5);
    boolean right = skill.value() > difficulty.value() + noise;
    String correct = FinalAnswer.correct(question);
    return new Truth(
        model,
        skill.family(),
        difficulty.value(),
        difficulty.visible(),
        difficulty.hidden(),
        skill.value(),
        noise,
        right,
        FinalAnswer.kindOf(question),
        right ? correct : FinalAnswer.wrong(question, luck),
        correct);
  }

  /** Counts an answer served with {@code truth}'s final answer. */
  public void served(Truth truth) {
    Tally tally = served.computeIfAbsent(truth.family(), f -> new Tally());
    (truth.right() ? tally.right : tally.wrong).incrementAndGet();
  }

  /** Right and wrong answers served per model family since the last reset, by family name. */
  public Map<String, Served> served() {
    Map<String, Served> counts = new TreeMap<>();
    served.forEach((family, t) -> counts.put(family, new Served(t.right.get(), t.wrong.get())));
    return counts;
  }

  /** Forgets the counts. */
  public void reset() {
    served.clear();
  }

  /** Whether any simulated provider serves {@code model}. */
  public boolean knows(String model) {
    return models.knows(model);
  }

  private static final class Tally {
    final AtomicLong right = new AtomicLong();
    final AtomicLong wrong = new AtomicLong();
  }
}
