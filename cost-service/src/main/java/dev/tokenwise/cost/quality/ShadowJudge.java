package dev.tokenwise.cost.quality;

/**
 * Compares the answer a client was served with the route's reference model's answer to the same
 * request: 1 means the same, 0 nothing in common.
 */
interface ShadowJudge {

  /** The judge's name, stored with each verdict. */
  String name();

  double similarity(String served, String reference);
}
