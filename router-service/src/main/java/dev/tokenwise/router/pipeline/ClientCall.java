package dev.tokenwise.router.pipeline;

import tools.jackson.databind.node.ObjectNode;

/**
 * A client's request as its protocol adapter read it, parsed once: the request in the Chat
 * Completions shape the pipeline works on (route planner, response cache, token limits, shadow
 * checks all read that shape), and the client's own body for the adapter.
 *
 * @param openAi the request as Chat Completions; for a chat client, its own body
 * @param openAiRaw the bytes of {@code openAi} when the client sent exactly those, else null
 * @param clientBody the client's body as parsed, in its own protocol's shape
 * @param raw the client's bytes as they came
 * @param requestedMaxTokens the output limit the client asked for, or null
 * @param endUser the client's end user (body field or {@code Tokenwise-User}), not yet hashed
 * @param conversation the conversation id ({@code usage.Conversations}), already tenant-scoped
 */
public record ClientCall(
    ObjectNode openAi,
    byte[] openAiRaw,
    ObjectNode clientBody,
    byte[] raw,
    String model,
    boolean stream,
    Long requestedMaxTokens,
    String endUser,
    String conversation) {}
