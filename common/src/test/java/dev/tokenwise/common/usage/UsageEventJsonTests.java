package dev.tokenwise.common.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.common.usage.UsageEvent.CacheWriteTokens;
import dev.tokenwise.common.usage.UsageEvent.Mode;
import dev.tokenwise.common.usage.UsageEvent.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Pins the usage event's wire form (schemaVersion 1), the contract between producers and cost. */
class UsageEventJsonTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  private static final UsageEvent EVENT =
      new UsageEvent(
          1,
          UUID.fromString("0b6f3c3e-6a55-4b8e-9d0e-6f1c2a7b9e41"),
          Instant.parse("2026-03-01T12:34:56.789Z"),
          "twr_01HZX3M4N5P6Q7R8S9T0",
          "acme",
          "support-bot",
          "3f2a9c0d5e7b41a8c6d2e9f0b1a4c7d8e5f6a9b0c3d2e1f0a9b8c7d6e5f4a3b2",
          "conv-7781",
          "default",
          "gpt-5",
          "gpt-5-mini-2025-08-07",
          "openai",
          Mode.STREAM,
          12_000,
          8_000,
          new CacheWriteTokens(1_024, 0),
          1_000,
          600,
          4_096L,
          1_500L,
          2_350,
          Status.OK,
          "stop");

  @Test
  void serialisesToThePinnedForm() throws IOException {
    JsonNode expected = mapper.readTree(fixture());

    JsonNode actual = mapper.readTree(mapper.writeValueAsString(EVENT));

    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void deserialisesThePinnedForm() throws IOException {
    assertThat(mapper.readValue(fixture(), UsageEvent.class)).isEqualTo(EVENT);
  }

  @Test
  void omitsAbsentOptionalFieldsAndReadsThemBackAsAbsent() {
    UsageEvent minimal =
        new UsageEvent(
            1,
            EVENT.eventId(),
            EVENT.occurredAt(),
            null,
            "acme",
            null,
            null,
            null,
            "default",
            "gpt-5-mini",
            "gpt-5-mini",
            "openai",
            Mode.CACHE_EXACT,
            100,
            0,
            null,
            20,
            0,
            null,
            null,
            3,
            Status.OK,
            null);

    String json = mapper.writeValueAsString(minimal);

    assertThat(json)
        .contains("\"mode\":\"cache-exact\"")
        .doesNotContain("requestedMaxTokens")
        .doesNotContain("endUser")
        .doesNotContain("null");
    assertThat(mapper.readValue(json, UsageEvent.class)).isEqualTo(minimal);
  }

  @Test
  void toleratesFieldsAddedByNewerProducers() {
    String json = fixture().replace("\"status\": \"ok\",", "\"status\": \"ok\", \"newField\": 1,");

    assertThat(mapper.readValue(json, UsageEvent.class)).isEqualTo(EVENT);
  }

  @Test
  void carriesTheExperimentArmAndRouterVersionWhenSetAndReadsOldEventsWithoutThem() {
    UsageEvent inExperiment =
        new UsageEvent(
            1,
            EVENT.eventId(),
            EVENT.occurredAt(),
            EVENT.requestId(),
            "acme",
            null,
            null,
            null,
            "default",
            "gpt-5",
            "gpt-5-mini",
            "openai",
            Mode.SYNC,
            100,
            0,
            null,
            20,
            0,
            null,
            null,
            3,
            Status.OK,
            "stop",
            "mini-vs-nano",
            "nano",
            "minilm-ridge@7");

    JsonNode json = mapper.readTree(mapper.writeValueAsString(inExperiment));

    assertThat(json.get("schemaVersion").asInt()).isEqualTo(1);
    assertThat(json.get("experiment").asString()).isEqualTo("mini-vs-nano");
    assertThat(json.get("arm").asString()).isEqualTo("nano");
    assertThat(json.get("routerVersion").asString()).isEqualTo("minilm-ridge@7");
    assertThat(mapper.treeToValue(json, UsageEvent.class)).isEqualTo(inExperiment);
    UsageEvent old = mapper.readValue(fixture(), UsageEvent.class);
    assertThat(old.experiment()).isNull();
    assertThat(old.arm()).isNull();
    assertThat(old.routerVersion()).isNull();
  }

  @Test
  void rejectsAnEventWhoseCachedTokensExceedItsInput() {
    String json = fixture().replace("\"inputTokens\": 12000", "\"inputTokens\": 100");

    assertThatThrownBy(() -> mapper.readValue(json, UsageEvent.class))
        .hasMessageContaining("must not exceed inputTokens");
  }

  private static String fixture() {
    try (InputStream in =
        UsageEventJsonTests.class.getResourceAsStream("/fixtures/usage-event-v1.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
