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
 * @param body the JSON body, or null when there was none or it did not parse
 */
public record RecordedRequest(
    String endpoint, Instant receivedAt, Map<String, String> headers, JsonNode body) {}
