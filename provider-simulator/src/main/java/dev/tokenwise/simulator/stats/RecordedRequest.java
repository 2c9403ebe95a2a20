package dev.tokenwise.simulator.stats;

import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One request a simulated provider received, kept so tests can assert what a gateway forwarded.
 *
 * @param endpoint method and path template, e.g. {@code POST /v1/chat/completions}
 * @param receivedAt when it arrived
 * @param headers request headers (lower-case names; credentials redacted)
 * @param body the JSON body, or null when there was none, it did not parse, or it was omitted
 * @param bodyOmitted whether a body was left out for its size (only small bodies are kept, so a
 *     load test cannot fill the heap)
 */
public record RecordedRequest(
    String endpoint,
    Instant receivedAt,
    Map<String, String> headers,
    JsonNode body,
    boolean bodyOmitted) {}
