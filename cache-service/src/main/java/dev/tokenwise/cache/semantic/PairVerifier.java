package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.embedding.TokenEncoder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The second stage of a semantic lookup: the vector index proposes the nearest stored questions,
 * this decides whether one asks the same thing. Its score is the mean of the pooled cosine and the
 * {@link TokenAlignment} F1 of the two questions' contextual token vectors (from the same encoder
 * that embeds them), with idf weights counted per tenant/route/model from that namespace's own
 * stored questions — so no tenant's questions weigh another's words. BENCHMARKS.md ("Verifier") has
 * the measurements that chose this combination over cosine alone and alignment alone.
 *
 * <p>Runs the encoder (the query's encoding is usually still among the encoder's recent ones, from
 * the embedding a moment before); callers run it off the event loop.
 */
final class PairVerifier {

  private final TokenEncoder encoder;
  private final Map<String, IdfWeights> idf = new ConcurrentHashMap<>();

  private final boolean counting;

  /**
   * @param encoder the embedding's own encoder, or null when the embedding source gives no token
   *     vectors (then there is no verifier and the cosine threshold decides alone)
   */
  PairVerifier(TokenEncoder encoder) {
    this(encoder, true);
  }

  /**
   * @param counting whether stored questions are counted for idf; off when no configured route
   *     turns the verifier on, so that a cache that does not verify keeps no per-namespace
   *     vocabulary (a router's per-request {@code verifyThreshold} then scores with even weights)
   */
  PairVerifier(TokenEncoder encoder, boolean counting) {
    this.encoder = encoder;
    this.counting = counting;
  }

  boolean available() {
    return encoder != null;
  }

  /** Counts a stored question in its namespace's idf. */
  void count(String segment, String question) {
    if (encoder == null || !counting) {
      return;
    }
    idf.computeIfAbsent(segment, s -> new IdfWeights()).add(encoder.wordPieceIds(question));
  }

  /** Forgets the idf of namespaces in {@code scope} (they were invalidated). */
  void forget(InvalidationScope scope) {
    idf.keySet().removeIf(scope::covers);
  }

  /**
   * The verifier's score of answering {@code query} with the answer to {@code stored}, whose pooled
   * cosine is {@code cosine}.
   */
  double score(String segment, String query, String stored, double cosine) {
    TokenEncoder.Encoded q = encoder.encode(query);
    TokenEncoder.Encoded s = encoder.encode(stored);
    IdfWeights weights = idf.computeIfAbsent(segment, k -> new IdfWeights());
    double aligned = TokenAlignment.f1(q.tokenIds(), q.tokens(), s.tokenIds(), s.tokens(), weights);
    return (cosine + aligned) / 2;
  }
}
