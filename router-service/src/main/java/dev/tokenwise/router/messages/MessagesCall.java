package dev.tokenwise.router.messages;

import tools.jackson.databind.node.ObjectNode;

/** A validated Messages request: the client's JSON, its raw bytes, and the facts read from it. */
record MessagesCall(
    ObjectNode json, byte[] raw, String model, boolean stream, long maxTokens, String endUser) {}
