/**
 * The semantic cache: questions embedded and searched in per-namespace HNSW indexes, answers and
 * vectors kept in Redis, guards and bypasses that keep a near-duplicate from answering the wrong
 * question.
 */
package dev.tokenwise.cache.semantic;
