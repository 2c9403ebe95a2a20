package dev.tokenwise.common.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class OpenAiChatRequestTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  private static final String REQUEST =
      """
      {
        "model": "gpt-5-mini",
        "messages": [
          {"role": "developer", "content": "Be brief.", "x_trace": {"span": 7}},
          {"role": "user", "content": [
            {"type": "text", "text": "What is in this image?", "x_part": true},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low", "x_img": 1}},
            {"type": "input_audio", "input_audio": {"data": "AAA=", "format": "wav"}}
          ]},
          {"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\\"a\\":1}"}, "x_call": [1, 2]}
          ]},
          {"role": "tool", "tool_call_id": "call_1", "content": "42"}
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}, "x_fn": "keep"}, "x_tool": null}],
        "tool_choice": "auto",
        "stop": ["\\n\\n"],
        "max_completion_tokens": 100,
        "temperature": 0.25,
        "seed": 12345678901234,
        "logit_bias": {"50256": -100},
        "reasoning_effort": "low",
        "prompt_cache_options": {"retention": "24h", "nested": {"deep": [1.5, "x", null]}}
      }
      """;

  @Test
  void unknownFieldsSurviveReadModifyWrite() {
    OpenAiChatRequest request = mapper.readValue(REQUEST, OpenAiChatRequest.class);

    OpenAiChatRequest changed = request.withModel("gpt-5-nano");
    JsonNode written = mapper.readTree(mapper.writeValueAsString(changed));

    ObjectNode expected = (ObjectNode) mapper.readTree(REQUEST);
    expected.put("model", "gpt-5-nano");
    // Omitting nulls is the only change allowed to a modelled field.
    ((ObjectNode) expected.get("messages").get(2)).remove("content");
    assertThat(written).isEqualTo(expected);
  }

  @Test
  void anUnknownFieldNamedExtraIsKeptLikeAnyOther() {
    String json =
        """
        {"model": "m", "messages": [{"role": "user", "content": "hi", "extra": [1]}],
         "extra": {"a": 1}}
        """;

    OpenAiChatRequest request = mapper.readValue(json, OpenAiChatRequest.class);

    assertThat(mapper.readTree(mapper.writeValueAsString(request)))
        .isEqualTo(mapper.readTree(json));
  }

  @Test
  void modelledFieldsAreReadWithTheirShape() {
    OpenAiChatRequest request = mapper.readValue(REQUEST, OpenAiChatRequest.class);

    assertThat(request.messages()).hasSize(4);
    assertThat(request.messages().get(0).content()).isInstanceOf(OpenAiContent.Text.class);
    assertThat(request.messages().get(1).content().asParts())
        .extracting(OpenAiContentPart::type)
        .containsExactly("text", "image_url", "input_audio");
    assertThat(request.messages().get(1).content().asParts().get(1).imageUrl().url())
        .isEqualTo("https://example.com/a.png");
    assertThat(request.messages().get(2).toolCalls().get(0).function().arguments())
        .isEqualTo("{\"a\":1}");
    assertThat(request.requestedMaxTokens()).isEqualTo(100L);
    assertThat(request.stopSequences()).containsExactly("\n\n");
    assertThat(request.extra()).containsKeys("seed", "logit_bias", "reasoning_effort");
  }

  @Test
  void streamUsageIsRequestedWithoutLosingOtherStreamOptions() {
    OpenAiChatRequest request =
        mapper.readValue(
            """
            {"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,
             "stream_options":{"include_obfuscation":false}}
            """,
            OpenAiChatRequest.class);

    JsonNode written = mapper.readTree(mapper.writeValueAsString(request.withStreamUsage()));

    assertThat(written.get("stream_options"))
        .isEqualTo(mapper.readTree("{\"include_obfuscation\":false,\"include_usage\":true}"));
  }

  @Test
  void builtRequestOmitsAbsentFields() {
    OpenAiChatRequest request =
        OpenAiChatRequest.of("gpt-5-mini", List.of(OpenAiMessage.of("user", "hi")))
            .withMaxCompletionTokens(5L);

    assertThat(mapper.writeValueAsString(request))
        .isEqualTo(
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_completion_tokens\":5}");
  }
}
