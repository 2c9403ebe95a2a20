/**
 * Tolerant wire records of Google's Gemini API ({@code generateContent}, its SSE stream, {@code
 * countTokens} and the error envelope).
 */
package dev.tokenwise.common.gemini;
