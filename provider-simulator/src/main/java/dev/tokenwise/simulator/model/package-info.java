/**
 * The models each simulated provider serves, the dated snapshot an alias resolves to, and each
 * model's skill.
 */
package dev.tokenwise.simulator.model;
