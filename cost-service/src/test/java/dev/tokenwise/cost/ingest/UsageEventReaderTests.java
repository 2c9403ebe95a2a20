package dev.tokenwise.cost.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.common.usage.UsageEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

class UsageEventReaderTests {

  private static final String VALID =
      """
      {"schemaVersion":1,"eventId":"0b7f7c4e-8d0e-4c43-9a57-6a4c3e0f7a11",\
      "occurredAt":"2026-06-03T10:00:00Z","tenant":"acme","route":"default",\
      "requestedModel":"gpt-5","servedModel":"gpt-5-mini","provider":"openai","mode":"sync",\
      "inputTokens":2000,"cachedInputTokens":1024,"cacheWriteTokens":{"ttl5m":0,"ttl1h":0},\
      "outputTokens":500,"reasoningTokens":0,"latencyMs":420,"status":"ok","newField":"kept out"}""";

  private final JsonMapper json = JsonMapper.builder().build();
  private final UsageEventReader reader = new UsageEventReader(json);

  @Test
  void readsTheRouterEventAndIgnoresUnknownFields() {
    UsageEvent event = reader.read(VALID);

    assertThat(event.servedModel()).isEqualTo("gpt-5-mini");
    assertThat(event.mode()).isEqualTo(UsageEvent.Mode.SYNC);
    assertThat(event.cachedInputTokens()).isEqualTo(1024);
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = "=>",
      value = {
        "\"schemaVersion\":1 => \"schemaVersion\":2 => schemaVersion",
        "\"eventId\":\"0b7f7c4e-8d0e-4c43-9a57-6a4c3e0f7a11\" => \"eventId\":\"abc\" => eventId",
        "\"occurredAt\":\"2026-06-03T10:00:00Z\" => \"occurredAt\":\"noon\" => occurredAt",
        "\"tenant\":\"acme\", => '' => tenant",
        "\"mode\":\"sync\" => \"mode\":\"carrier-pigeon\" => mode",
        "\"outputTokens\":500 => \"outputTokens\":-5 => outputTokens",
        "\"inputTokens\":2000 => \"inputTokens\":\"lots\" => inputTokens",
        "\"cachedInputTokens\":1024 => \"cachedInputTokens\":4096 => cachedInputTokens",
        "\"ttl5m\":0 => \"ttl5m\":-1 => cacheWriteTokens.ttl5m",
      })
  void namesTheFieldOfAnInvalidEvent(String valid, String invalid, String field) {
    String text = VALID.replace(valid, invalid);
    assertThat(text).isNotEqualTo(VALID);

    assertThatThrownBy(() -> reader.read(text))
        .isInstanceOfSatisfying(
            InvalidUsageEventException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void rejectsMalformedJsonAsAWhole() {
    assertThatThrownBy(() -> reader.read("{\"eventId\":"))
        .isInstanceOfSatisfying(
            InvalidUsageEventException.class,
            e -> {
              assertThat(e.field()).isNull();
              assertThat(e.reason()).startsWith("malformed JSON");
            });
  }

  @Test
  void namesTheArrayIndexInABatch() {
    assertThatThrownBy(
            () ->
                reader.readAll(
                    json.readTree("[" + VALID + "," + VALID.replace("\"acme\"", "7") + "]")))
        .isInstanceOfSatisfying(
            InvalidUsageEventException.class, e -> assertThat(e.field()).isEqualTo("[1].tenant"));
  }
}
