package dev.tokenwise.router.chat;

import tools.jackson.databind.node.ObjectNode;

/**
 * A validated chat request: the client's JSON as it came (forwarded unchanged unless the router
 * sets a field), its raw bytes, and the facts the pipeline reads from it.
 *
 * @param requestedMaxTokens {@code max_completion_tokens}, else {@code max_tokens}, else null
 * @param endUser the client's {@code safety_identifier} or {@code user}, not yet hashed
 */
record ChatCall(
    ObjectNode json,
    byte[] raw,
    String model,
    boolean stream,
    Long requestedMaxTokens,
    String endUser) {}
