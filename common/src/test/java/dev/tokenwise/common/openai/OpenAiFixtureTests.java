package dev.tokenwise.common.openai;

import static dev.tokenwise.common.openai.Fixtures.read;
import static dev.tokenwise.common.openai.Fixtures.tree;
import static dev.tokenwise.common.openai.Fixtures.withoutNulls;
import static dev.tokenwise.common.openai.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pins the OpenAI wire models to the documented examples: read, write, compare trees. */
class OpenAiFixtureTests {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "openai/chat-request-default.json, dev.tokenwise.common.openai.OpenAiChatRequest",
    "openai/chat-request-image.json, dev.tokenwise.common.openai.OpenAiChatRequest",
    "openai/chat-request-tools.json, dev.tokenwise.common.openai.OpenAiChatRequest",
    "openai/chat-response-default.json, dev.tokenwise.common.openai.OpenAiChatResponse",
    "openai/chat-response-tools.json, dev.tokenwise.common.openai.OpenAiChatResponse",
    "openai/error-invalid-api-key.json, dev.tokenwise.common.openai.OpenAiError",
  })
  void fixtureRoundTripsUnchanged(String fixture, Class<?> type) {
    Object model = read(fixture, type);

    // Null-valued fields the model knows are omitted on output; everything else is kept.
    assertThat(withoutNulls(written(model))).isEqualTo(withoutNulls(tree(fixture)));
  }

  @Test
  void errorKeepsItsNullKeys() {
    assertThat(written(read("openai/error-invalid-api-key.json", OpenAiError.class)))
        .isEqualTo(tree("openai/error-invalid-api-key.json"));
  }

  @Test
  void streamChunksRoundTripUnchanged() {
    for (String data : Fixtures.sseData("openai/chat-stream-with-usage.txt")) {
      OpenAiChatChunk chunk = Fixtures.MAPPER.readValue(data, OpenAiChatChunk.class);

      assertThat(withoutNulls(written(chunk)))
          .isEqualTo(withoutNulls(Fixtures.MAPPER.readTree(data)));
    }
  }

  @Test
  void documentedResponseIsReadIntoTheModel() {
    OpenAiChatResponse response =
        read("openai/chat-response-default.json", OpenAiChatResponse.class);

    assertThat(response.choices().get(0).message().text())
        .isEqualTo("Hello! How can I assist you today?");
    assertThat(response.finishReason()).isEqualTo("stop");
    assertThat(response.usage().promptTokens()).isEqualTo(19L);
    assertThat(response.usage().cachedTokens()).isZero();
    assertThat(response.serviceTier()).isEqualTo("default");
    assertThat(response.choices().get(0).message().extra()).containsKey("annotations");
  }

  @Test
  void documentedToolCallIsReadIntoTheModel() {
    OpenAiChatResponse response = read("openai/chat-response-tools.json", OpenAiChatResponse.class);

    List<OpenAiToolCall> calls = response.choices().get(0).message().toolCalls();
    assertThat(calls)
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.id()).isEqualTo("call_abc123");
              assertThat(call.function().name()).isEqualTo("get_current_weather");
              assertThat(call.function().arguments()).contains("Boston, MA");
            });
    assertThat(response.usage().promptTokensDetails()).isNull();
    assertThat(response.usage().cachedTokens()).isZero();
  }

  @Test
  void usageChunkCarriesUsageAndNoChoices() {
    List<String> data = Fixtures.sseData("openai/chat-stream-with-usage.txt");
    OpenAiChatChunk last =
        Fixtures.MAPPER.readValue(data.get(data.size() - 1), OpenAiChatChunk.class);

    assertThat(last.choices()).isEmpty();
    assertThat(last.usage().promptTokens()).isEqualTo(2006L);
    assertThat(last.usage().cachedTokens()).isEqualTo(1920L);
  }
}
