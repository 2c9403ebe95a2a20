package dev.tokenwise.cache.exact;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ExactEntryTests {

  private static final Instant STORED_AT = Instant.parse("2026-11-27T02:00:00.123Z");

  @Test
  void smallEntriesRoundTripUncompressed() {
    byte[] json = StorabilityTests.completion("stop").getBytes();
    byte[] stored = ExactEntry.encode(STORED_AT, json, 1 << 20);

    assertThat(stored[0]).isEqualTo((byte) '{');
    ExactEntry entry = ExactEntry.decode(stored);
    assertThat(entry.storedAt()).isEqualTo(STORED_AT);
    assertThat(entry.response()).isEqualTo(ExactEntry.JSON.readTree(json));
  }

  @Test
  void largeEntriesAreCompressedAndRoundTrip() {
    String content = "All work and no play. ".repeat(2_000);
    String completion = StorabilityTests.completion("stop").replace("Hello!", content);
    byte[] json = completion.getBytes();

    byte[] stored = ExactEntry.encode(STORED_AT, json, 1024);

    assertThat(stored.length).isLessThan(json.length / 10);
    JsonNode response = ExactEntry.decode(stored).response();
    assertThat(response.at("/choices/0/message/content").stringValue()).isEqualTo(content);
  }

  @Test
  void numbersKeepTheirWrittenForm() {
    byte[] json = "{\"choices\":[],\"score\":1.50,\"big\":1e2}".getBytes();
    JsonNode response = ExactEntry.decode(ExactEntry.encode(STORED_AT, json, 1 << 20)).response();
    assertThat(ExactEntry.JSON.writeValueAsString(response)).contains("1.50");
  }
}
