package dev.tokenwise.simulator.quality;

import dev.tokenwise.simulator.quality.FinalAnswer.Kind;

/**
 * Whether one model answers one prompt right, and why.
 *
 * @param model the model as asked
 * @param family the model family whose skill applies (see {@code ModelCatalog.skill})
 * @param difficulty the prompt's difficulty, 0..1
 * @param visibleDifficulty its part a router could read from the text, 0..1
 * @param hiddenDifficulty its hashed part, 0..1
 * @param skill the model's skill
 * @param noise this model's luck on this prompt (about ±0.3, centred on 0)
 * @param right whether {@code skill > difficulty + noise}
 * @param kind what a right answer must get right
 * @param finalAnswer what this model answers: the option letter, the number, or the fact
 * @param correctAnswer what every right answer says
 */
public record Truth(
    String model,
    String family,
    double difficulty,
    double visibleDifficulty,
    double hiddenDifficulty,
    double skill,
    double noise,
    boolean right,
    Kind kind,
    String finalAnswer,
    String correctAnswer) {}
