package dev.tokenwise.cache.semantic;

/**
 * Where a candidate's similarity falls against a route's threshold: accepted, in the gray zone just
 * below it (a miss now, checked for promotion afterwards), or below both.
 *
 * @param threshold the similarity a hit needs (configured or learned)
 * @param width how far below {@code threshold} the gray zone reaches; 0: no gray zone
 */
record GrayZone(double threshold, double width) {

  /** The three places a similarity can fall. */
  enum Band {
    ACCEPT,
    GRAY,
    BELOW
  }

  Band band(double similarity) {
    if (similarity >= threshold) {
      return Band.ACCEPT;
    }
    if (width > 0 && similarity >= threshold - width) {
      return Band.GRAY;
    }
    return Band.BELOW;
  }

  /** The lowest similarity that is not {@link Band#BELOW}. */
  double floor() {
    return threshold - width;
  }
}
