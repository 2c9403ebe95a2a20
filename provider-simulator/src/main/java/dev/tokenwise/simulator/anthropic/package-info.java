/** The simulated Anthropic API: Messages (plain and streamed), models, headers and errors. */
package dev.tokenwise.simulator.anthropic;
