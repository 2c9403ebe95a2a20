/** A faithful local stand-in for the OpenAI and Anthropic APIs, for tests, demos and load. */
package dev.tokenwise.simulator;
