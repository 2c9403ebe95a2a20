/**
 * The simulator's quality world: how hard each prompt is, whether a model answers it right, and the
 * final answer a right or a wrong answer carries.
 */
package dev.tokenwise.simulator.quality;
