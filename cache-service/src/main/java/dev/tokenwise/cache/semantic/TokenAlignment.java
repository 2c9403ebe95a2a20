package dev.tokenwise.cache.semantic;

/**
 * BERTScore-style greedy alignment of two questions' contextual token vectors (Zhang et al., 2020,
 * "BERTScore: Evaluating Text Generation with BERT"): every word piece of one question is matched
 * to its most similar word piece in the other, the matches are averaged with idf weights, both ways
 * (recall and precision), and combined as F1. A word that carries the question ("Java" against
 * "Python") has a high idf and no good match, so it pulls the score down where a pooled sentence
 * vector barely moves.
 *
 * <p>Pure and thread-safe; the idf weights come from {@link IdfWeights}.
 */
final class TokenAlignment {

  private TokenAlignment() {}

  /**
   * The F1 of the greedy alignment of {@code a} and {@code b}, in [-1, 1] (in practice [0, 1]).
   *
   * @param aIds the word-piece ids of {@code a}, for their idf
   * @param a one unit vector per word piece of the first question
   * @param bIds the word-piece ids of {@code b}
   * @param b one unit vector per word piece of the second question
   */
  static double f1(long[] aIds, float[][] a, long[] bIds, float[][] b, IdfWeights idf) {
    if (a.length == 0 || b.length == 0) {
      return 0;
    }
    double[][] similarity = new double[a.length][b.length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        similarity[i][j] = dot(a[i], b[j]);
      }
    }
    double recall = 0;
    double recallWeight = 0;
    for (int i = 0; i < a.length; i++) {
      double best = -1;
      for (int j = 0; j < b.length; j++) {
        best = Math.max(best, similarity[i][j]);
      }
      double weight = idf.weight(aIds[i]);
      recall += weight * best;
      recallWeight += weight;
    }
    double precision = 0;
    double precisionWeight = 0;
    for (int j = 0; j < b.length; j++) {
      double best = -1;
      for (int i = 0; i < a.length; i++) {
        best = Math.max(best, similarity[i][j]);
      }
      double weight = idf.weight(bIds[j]);
      precision += weight * best;
      precisionWeight += weight;
    }
    double r = recallWeight == 0 ? 0 : recall / recallWeight;
    double p = precisionWeight == 0 ? 0 : precision / precisionWeight;
    return r + p <= 0 ? 0 : 2 * r * p / (r + p);
  }

  private static double dot(float[] x, float[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }
}
