package dev.tokenwise.common.anthropic;

import static dev.tokenwise.common.openai.Fixtures.read;
import static dev.tokenwise.common.openai.Fixtures.tree;
import static dev.tokenwise.common.openai.Fixtures.withoutNulls;
import static dev.tokenwise.common.openai.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.openai.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Pins the Anthropic wire models to the documented examples: read, write, compare trees. */
class AnthropicFixtureTests {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "anthropic/messages-request-basic.json, dev.tokenwise.common.anthropic.AnthropicMessageRequest",
    "anthropic/messages-request-tools.json, dev.tokenwise.common.anthropic.AnthropicMessageRequest",
    "anthropic/messages-response-basic.json,"
        + " dev.tokenwise.common.anthropic.AnthropicMessageResponse",
    "anthropic/messages-response-tools.json,"
        + " dev.tokenwise.common.anthropic.AnthropicMessageResponse",
    "anthropic/error-not-found.json, dev.tokenwise.common.anthropic.AnthropicError",
  })
  void fixtureRoundTripsUnchanged(String fixture, Class<?> type) {
    Object model = read(fixture, type);

    assertThat(withoutNulls(written(model))).isEqualTo(withoutNulls(tree(fixture)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic/stream-basic.txt", "anthropic/stream-tool-use.txt"})
  void streamEventsRoundTripUnchanged(String fixture) {
    for (String data : Fixtures.sseData(fixture)) {
      AnthropicStreamEvent event = Fixtures.MAPPER.readValue(data, AnthropicStreamEvent.class);

      assertThat(event).isNotInstanceOf(AnthropicStreamEvent.Unknown.class);
      assertThat(withoutNulls(written(event)))
          .isEqualTo(withoutNulls(Fixtures.MAPPER.readTree(data)));
    }
  }

  @Test
  void documentedUsageIsReadWithItsCacheFields() {
    AnthropicUsage usage =
        read("anthropic/messages-response-basic.json", AnthropicMessageResponse.class).usage();

    assertThat(usage.inputTokens()).isEqualTo(2095L);
    assertThat(usage.cacheCreationInputTokens()).isEqualTo(2051L);
    assertThat(usage.cacheReadInputTokens()).isEqualTo(2051L);
    assertThat(usage.cacheCreation().ephemeral1hInputTokens()).isZero();
    assertThat(usage.totalInputTokens()).isEqualTo(2095L + 2051L + 2051L);
    assertThat(usage.extra()).containsKey("server_tool_use");
  }

  @Test
  void documentedStreamIsReadByEventType() {
    List<String> types =
        Fixtures.sseData("anthropic/stream-basic.txt").stream()
            .map(data -> Fixtures.MAPPER.readValue(data, AnthropicStreamEvent.class).type())
            .toList();

    assertThat(types)
        .containsExactly(
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
  }

  @Test
  void documentedErrorIsRead() {
    AnthropicError error = read("anthropic/error-not-found.json", AnthropicError.class);

    assertThat(error.type()).isEqualTo("error");
    assertThat(error.error().type()).isEqualTo("not_found_error");
    assertThat(error.requestId()).isEqualTo("req_011CSHoEeqs5C35K2UUqR7Fy");
  }
}
