package dev.tokenwise.router.routing.learning;

import java.nio.charset.StandardCharsets;

/**
 * Serves the tier the model did not pick for a small, fixed share of requests, so the verdicts on
 * them are unbiased evidence about both tiers wherever the model routes (without it, the cheap
 * tier's outcome is never seen on prompts the model sends strong). The decision is a function of
 * the request id, so a retried request is routed the same way on any replica, and the propensity it
 * returns is what training and the held-out check weight by.
 */
public final class Exploration {

  /**
   * The tier to serve and the probability with which it was picked.
   *
   * @param tier 0 cheap, 1 strong
   * @param explored the tier is the other one than the model picked
   * @param propensity the probability of serving {@code tier} given the model's pick: {@code 1 −
   *     rate} when it is the model's pick, {@code rate} when explored
   */
  public record Decision(int tier, boolean explored, double propensity) {}

  private final double rate;
  private final long seed;

  /**
   * @param rate the share of requests that explore, in [0, 0.5) (0 switches exploration off)
   * @param seed mixes into the request id's hash, so two deployments explore different requests
   */
  public Exploration(double rate, long seed) {
    if (!(rate >= 0 && rate < 0.5)) {
      throw new IllegalArgumentException("exploration rate must be in [0, 0.5): " + rate);
    }
    this.rate = rate;
    this.seed = seed;
  }

  public double rate() {
    return rate;
  }

  /** Whether to serve {@code modelTier} (0 cheap, 1 strong) or, exploring, the other tier. */
  public Decision decide(String requestId, int modelTier) {
    if (modelTier != 0 && modelTier != 1) {
      throw new IllegalArgumentException("modelTier must be 0 (cheap) or 1 (strong)");
    }
    if (rate > 0 && uniform(requestId) < rate) {
      return new Decision(1 - modelTier, true, rate);
    }
    return new Decision(modelTier, false, 1 - rate);
  }

  /** A number in [0, 1) that depends only on the request id and the seed. */
  double uniform(String requestId) {
    // FNV-1a over the id's bytes, then SplitMix64's finaliser so nearby ids spread out.
    long h = 0xcbf29ce484222325L ^ seed;
    for (byte b : requestId.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return (h >>> 11) * 0x1.0p-53;
  }
}
