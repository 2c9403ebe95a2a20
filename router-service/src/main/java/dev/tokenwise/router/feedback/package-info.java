/**
 * Clients' verdicts on answers ({@code POST /v1/feedback}), forwarded to cost-service's quality
 * loop.
 */
package dev.tokenwise.router.feedback;
