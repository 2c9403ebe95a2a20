/** What the simulated providers were asked: request counts per endpoint and the latest requests. */
package dev.tokenwise.simulator.stats;
