/** The OpenAI Responses API ({@code POST /v1/responses}): the protocol adapter. */
package dev.tokenwise.router.responses;
