package dev.tokenwise.router.pipeline;

import tools.jackson.databind.JsonNode;

/**
 * One Chat Completions stream event on its way to a client protocol: its bytes as they go to a chat
 * client, and its data as the pipeline already parsed it, so no adapter parses a chunk again.
 *
 * @param data the event's JSON data, or null for {@code [DONE]} and data that is not JSON
 * @param done whether this is the {@code data: [DONE]} event
 */
public record ChatEvent(byte[] raw, JsonNode data, boolean done) {}
