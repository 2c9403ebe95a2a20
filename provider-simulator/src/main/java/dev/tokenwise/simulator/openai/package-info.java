/** The simulated OpenAI API: Chat Completions (plain and streamed), models, headers and errors. */
package dev.tokenwise.simulator.openai;
