/**
 * Translation between OpenAI Chat Completions, Anthropic Messages and Gemini generateContent, and
 * normalised usage.
 */
package dev.tokenwise.common.translate;
