/** The models each simulated provider serves, and the dated snapshot an alias resolves to. */
package dev.tokenwise.simulator.model;
