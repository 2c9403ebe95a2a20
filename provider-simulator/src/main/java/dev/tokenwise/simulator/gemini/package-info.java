/** Google's Gemini API ({@code /v1beta/models/...}), as the simulator answers it. */
package dev.tokenwise.simulator.gemini;
