package dev.tokenwise.cache.semantic;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Inverse document frequencies of word pieces over the questions this cache has stored: {@code
 * idf(w) = ln((N + 1) / (df(w) + 1))}, with N the questions counted and df(w) those containing w. A
 * word piece every cached question has ("what", "how", "?") weighs little in {@link
 * TokenAlignment}; one that few have weighs much. Counted from the cache's own entries (never from
 * evaluation data), growing as questions are stored. Thread-safe; weights read while another thread
 * adds are approximate, which is all a weight needs to be.
 */
final class IdfWeights {

  private final ConcurrentHashMap<Long, LongAdder> documentFrequency = new ConcurrentHashMap<>();
  private final AtomicLong documents = new AtomicLong();

  /** Counts one question's word pieces (each distinct piece once). */
  void add(long[] tokenIds) {
    Set<Long> distinct = new HashSet<>();
    for (long id : tokenIds) {
      if (distinct.add(id)) {
        documentFrequency.computeIfAbsent(id, k -> new LongAdder()).increment();
      }
    }
    documents.incrementAndGet();
  }

  /**
   * Below this many questions document frequencies say nothing yet (with one question every piece
   * has df = N), so every piece weighs the same.
   */
  static final long MIN_DOCUMENTS = 50;

  /** The idf of a word piece; an unseen piece gets the largest weight. */
  double weight(long tokenId) {
    long n = documents.get();
    if (n < MIN_DOCUMENTS) {
      return 1;
    }
    LongAdder df = documentFrequency.get(tokenId);
    return Math.log((n + 1.0) / ((df == null ? 0 : df.sum()) + 1.0));
  }

  long documents() {
    return documents.get();
  }
}
