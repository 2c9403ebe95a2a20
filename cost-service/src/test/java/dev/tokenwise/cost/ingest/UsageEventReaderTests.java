package dev.tokenwise.cost.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.common.usage.UsageEvent;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.UUID;
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
  void theOnePassInstantReadsWhatInstantParseReadsAndRefusesWhatItRefuses() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      Instant at =
          Instant.ofEpochSecond(
              random.nextLong(-62_000_000_000L, 253_402_300_799L), random.nextInt(1_000_000_000));
      // Every fraction width Instant.toString writes (0, 3, 6 or 9 digits) and the others.
      String text = at.toString();
      String trimmed = text.substring(0, 19) + fraction(at.getNano(), random.nextInt(10)) + "Z";
      for (String s : new String[] {text, trimmed}) {
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
          continue;
        }
        assertThat(OnePass.instant(s)).as(s).isEqualTo(Instant.parse(s));
      }
    }
    for (String s :
        new String[] {
          "2024-02-29T23:59:59Z",
          "2000-01-01T00:00:00.000000001Z",
          "1970-01-01T00:00:00.5Z",
          "0000-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999999999Z",
          "2026-06-03T10:00:00+02:00",
          "2026-06-03T10:00:00.123+02:00",
          // Left to Instant.parse, which reads them.
          "2026-06-03T24:00:00Z",
          "2026-06-03T10:00:00.Z",
          "2026-06-03T10:00:00z"
        }) {
      assertThat(OnePass.instant(s)).as(s).isEqualTo(Instant.parse(s));
    }
    for (String s :
        new String[] {
          "2023-02-29T00:00:00Z",
          "2026-06-31T00:00:00Z",
          "2026-13-01T00:00:00Z",
          "2026-06-03T10:60:00Z",
          "2026-06-03T10:00:61Z",
          "2026-06-03T10:00:00.1234567890Z",
          "2026-06-03 10:00:00Z",
          "2026-06-03T10:00:0xZ",
          "2026-6-03T10:00:00Z",
          "2026-06-03T10:00:00"
        }) {
      assertThatThrownBy(() -> Instant.parse(s)).as(s).isNotNull();
      assertThatThrownBy(() -> OnePass.instant(s)).as(s).isNotNull();
    }
  }

  private static String fraction(int nanos, int digits) {
    if (digits == 0) {
      return "";
    }
    String nine = String.format("%09d", nanos);
    return "." + nine.substring(0, digits);
  }

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
  void theOnePassReaderReadsWhatTheRouterWritesAsTheTreeDoes() {
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 2_000; i++) {
      String text = json.writeValueAsString(randomEvent(random));
      UsageEvent fast = OnePass.read(json, text);

      assertThat(fast).as(text).isNotNull().isEqualTo(reader.read(json.readTree(text)));
    }
  }

  /**
   * The one-pass reader reads an event as the router writes it itself, and leaves everything else
   * to the tree (which may accept it too, or name the problem); what it reads, the tree reads
   * equal.
   */
  @ParameterizedTest
  @CsvSource(
      delimiterString = "=>",
      value = {
        "\"newField\":\"kept out\" => \"newField\":\"kept out\" => tree",
        "\"schemaVersion\":1 => \"schemaVersion\":1.0 => tree",
        "\"schemaVersion\":1 => \"schemaVersion\":\"1\" => tree",
        "\"eventId\":\"0b7f7c4e-8d0e-4c43-9a57-6a4c3e0f7a11\" => \"eventId\":\"1-2-3-4-5\" => tree",
        "\"eventId\":\"0b7f7c4e-8d0e-4c43-9a57-6a4c3e0f7a11\" =>"
            + " \"eventId\":\"0B7F7C4E-8D0E-4C43-9A57-6A4C3E0F7A11\" => one-pass",
        "\"occurredAt\":\"2026-06-03T10:00:00Z\" => \"occurredAt\":\"2026-06-03T10:00:00+02:00\" => one-pass",
        "\"occurredAt\":\"2026-06-03T10:00:00Z\" => \"occurredAt\":\"2026-06-03T10:00:00.123456789Z\" => one-pass",
        "\"tenant\":\"acme\" => \"tenant\":\" \" => tree",
        "\"tenant\":\"acme\" => \"tenant\":7 => tree",
        "\"route\":\"default\" => \"route\":null => one-pass",
        "\"route\":\"default\" => \"route\":12 => tree",
        "\"route\":\"default\" => \"route\":\"\" => one-pass",
        "\"mode\":\"sync\" => \"mode\":\"SYNC\" => tree",
        "\"mode\":\"sync\" => \"mode\":\"cache-semantic\" => one-pass",
        "\"status\":\"ok\" => \"status\":\"client-disconnected\" => one-pass",
        "\"status\":\"ok\" => \"status\":null => tree",
        "\"inputTokens\":2000 => \"inputTokens\":2000.0 => tree",
        "\"inputTokens\":2000 => \"inputTokens\":\"2000\" => tree",
        "\"inputTokens\":2000 => \"inputTokens\":99999999999999999999999 => tree",
        "\"inputTokens\":2000 => \"inputTokens\":9000000000 => one-pass",
        "\"reasoningTokens\":0 => \"reasoningTokens\":null => tree",
        "\"reasoningTokens\":0, => '' => tree",
        "\"latencyMs\":420, => '' => tree",
        "\"cachedInputTokens\":1024, => '' => tree",
        "\"latencyMs\":420 => \"latencyMs\":420,\"latencyMs\":421 => tree",
        "\"latencyMs\":420 => \"latencyMs\":420,\"requestedMaxTokens\":null => one-pass",
        "\"latencyMs\":420 => \"latencyMs\":420,\"requestedMaxTokens\":1000 => one-pass",
        "\"latencyMs\":420 => \"latencyMs\":420,\"appliedMaxTokens\":\"1000\" => tree",
        "\"cacheWriteTokens\":{\"ttl5m\":0,\"ttl1h\":0} => \"cacheWriteTokens\":null => one-pass",
        "\"cacheWriteTokens\":{\"ttl5m\":0,\"ttl1h\":0} => \"cacheWriteTokens\":{\"ttl5m\":100} => tree",
        "\"cacheWriteTokens\":{\"ttl5m\":0,\"ttl1h\":0} =>"
            + " \"cacheWriteTokens\":{\"ttl5m\":1,\"ttl1h\":2,\"ttl9h\":3} => tree",
        "\"cacheWriteTokens\":{\"ttl5m\":0,\"ttl1h\":0} => \"cacheWriteTokens\":[] => tree",
        "\"cacheWriteTokens\":{\"ttl5m\":0,\"ttl1h\":0} =>"
            + " \"cacheWriteTokens\":{\"ttl5m\":900,\"ttl1h\":900} => tree",
      })
  void theOnePassReaderNeverDisagreesWithTheTree(String valid, String changed, String reader) {
    String text = VALID.replace(valid, changed);
    if (!changed.contains("newField")) {
      text = text.replace(",\"newField\":\"kept out\"", "");
    }
    UsageEvent fast = OnePass.read(json, text);
    if (reader.equals("tree")) {
      assertThat(fast).as(text).isNull();
      return;
    }
    assertThat(fast).as(text).isNotNull().isEqualTo(this.reader.read(json.readTree(text)));
  }

  @Test
  void theOnePassReaderLeavesUnknownFieldsAndTrailingTextToTheTree() {
    assertThat(OnePass.read(json, VALID)).isNull();
    String plain = VALID.replace(",\"newField\":\"kept out\"", "");
    assertThat(OnePass.read(json, plain)).isNotNull();
    assertThat(OnePass.read(json, plain + " {}")).isNull();
    assertThat(OnePass.read(json, plain.substring(0, plain.length() - 1))).isNull();
  }

  private static UsageEvent randomEvent(SplittableRandom random) {
    long input = random.nextLong(0, 200_000);
    long cached = input == 0 ? 0 : random.nextLong(0, input + 1);
    long ttl5m = random.nextBoolean() ? 0 : random.nextLong(0, input - cached + 1);
    long ttl1h = random.nextBoolean() ? 0 : random.nextLong(0, input - cached - ttl5m + 1);
    UsageEvent.Mode[] modes = UsageEvent.Mode.values();
    UsageEvent.Status[] statuses = UsageEvent.Status.values();
    return new UsageEvent(
        UsageEvent.SCHEMA_VERSION,
        UUID.randomUUID(),
        Instant.ofEpochSecond(random.nextLong(1_700_000_000L, 1_900_000_000L))
            .plusNanos(random.nextBoolean() ? 0 : random.nextInt(1_000_000_000)),
        maybe(random, "req-" + random.nextInt()),
        "tenant-" + random.nextInt(50),
        maybe(random, "app \"quoted\" " + random.nextInt(5)),
        maybe(random, "user-\u00e9-" + random.nextInt(1000)),
        maybe(random, "conv-" + random.nextInt(1000)),
        maybe(random, random.nextBoolean() ? "" : "route-" + random.nextInt(5)),
        maybe(random, "gpt-5"),
        maybe(random, "gpt-5-mini"),
        maybe(random, "openai"),
        modes[random.nextInt(modes.length)],
        input,
        cached,
        random.nextBoolean()
            ? UsageEvent.CacheWriteTokens.NONE
            : new UsageEvent.CacheWriteTokens(ttl5m, ttl1h),
        random.nextLong(0, 10_000_000_000L),
        random.nextLong(0, 5_000),
        random.nextBoolean() ? null : random.nextLong(0, 100_000),
        random.nextBoolean() ? null : random.nextLong(0, 100_000),
        random.nextLong(0, 120_000),
        statuses[random.nextInt(statuses.length)],
        maybe(random, "stop"),
        maybe(random, "exp-1"),
        maybe(random, "arm-b"),
        maybe(random, "loop-v2"));
  }

  private static String maybe(SplittableRandom random, String value) {
    return random.nextInt(4) == 0 ? null : value;
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
