package dev.tokenwise.common.translate;

import static dev.tokenwise.common.openai.Fixtures.read;
import static dev.tokenwise.common.openai.Fixtures.tree;
import static dev.tokenwise.common.openai.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokenwise.common.anthropic.AnthropicContentBlock;
import dev.tokenwise.common.anthropic.AnthropicMessageRequest;
import dev.tokenwise.common.openai.Fixtures;
import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiMessage;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class RequestTranslatorTests {

  private final RequestTranslator translator = new RequestTranslator(4096);

  @Test
  void developerMessageBecomesTopLevelSystemAndDefaultMaxTokensApplies() {
    OpenAiChatRequest request = read("openai/chat-request-default.json", OpenAiChatRequest.class);

    JsonNode anthropic = written(translator.toAnthropic(request));

    assertThat(anthropic)
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"model": "gpt-4.1", "max_tokens": 4096,
                 "system": [{"type": "text", "text": "You are a helpful assistant."}],
                 "messages": [{"role": "user", "content": "Hello!"}]}
                """));
  }

  @Test
  void imagePartsBecomeImageBlocksWithUrlOrBase64Sources() {
    OpenAiChatRequest request = read("openai/chat-request-image.json", OpenAiChatRequest.class);

    AnthropicMessageRequest anthropic = translator.toAnthropic(request);

    assertThat(anthropic.maxTokens()).isEqualTo(300L);
    var blocks = anthropic.messages().get(0).content().asBlocks();
    assertThat(blocks.get(0).text()).isEqualTo("What is in this image?");
    assertThat(blocks.get(1).source().type()).isEqualTo("url");
    assertThat(blocks.get(1).source().url()).startsWith("https://upload.wikimedia.org/");

    OpenAiChatRequest dataUrl =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "messages": [{"role": "user", "content": [
              {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]}
            """,
            OpenAiChatRequest.class);
    AnthropicContentBlock.Source source =
        translator.toAnthropic(dataUrl).messages().get(0).content().asBlocks().get(0).source();
    assertThat(source).isEqualTo(AnthropicContentBlock.Source.base64("image/png", "iVBORw0KGgo="));
  }

  @Test
  void functionToolsBecomeAnthropicToolsWithInputSchema() {
    OpenAiChatRequest request = read("openai/chat-request-tools.json", OpenAiChatRequest.class);

    JsonNode anthropic = written(translator.toAnthropic(request));

    assertThat(anthropic.at("/tools/0/name").asString()).isEqualTo("get_current_weather");
    assertThat(anthropic.at("/tools/0/input_schema"))
        .isEqualTo(tree("openai/chat-request-tools.json").at("/tools/0/function/parameters"));
    assertThat(anthropic.at("/tool_choice"))
        .isEqualTo(Fixtures.MAPPER.readTree("{\"type\":\"auto\"}"));
  }

  @Test
  void toolConversationRoundTripsAnthropicToOpenAiAndBack() {
    AnthropicMessageRequest original =
        read("anthropic/messages-request-tools.json", AnthropicMessageRequest.class);

    OpenAiChatRequest openAi = translator.toOpenAi(original);

    assertThat(openAi.messages())
        .extracting(OpenAiMessage::role)
        .containsExactly("user", "assistant", "tool");
    OpenAiMessage assistant = openAi.messages().get(1);
    assertThat(assistant.text())
        .isEqualTo("I'll check the current weather in San Francisco for you.");
    assertThat(assistant.toolCalls().get(0).id()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
    assertThat(Fixtures.MAPPER.readTree(assistant.toolCalls().get(0).function().arguments()))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                "{\"location\": \"San Francisco, CA\", \"unit\": \"celsius\"}"));
    assertThat(openAi.messages().get(2).toolCallId()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
    assertThat(openAi.messages().get(2).text()).isEqualTo("15 degrees");
    assertThat(openAi.maxCompletionTokens()).isEqualTo(1024L);

    AnthropicMessageRequest back = translator.toAnthropic(openAi);

    assertThat(written(back)).isEqualTo(tree("anthropic/messages-request-tools.json"));
  }

  @Test
  void parallelToolResultsShareOneUserTurn() {
    OpenAiChatRequest request =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "messages": [
              {"role": "user", "content": "Weather in Paris and Rome?"},
              {"role": "assistant", "content": null, "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\":\\"Paris\\"}"}},
                {"id": "b", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\":\\"Rome\\"}"}}]},
              {"role": "tool", "tool_call_id": "a", "content": "18C"},
              {"role": "tool", "tool_call_id": "b", "content": "24C"}],
             "tool_choice": {"type": "function", "function": {"name": "w"}},
             "parallel_tool_calls": false, "stop": "END", "user": "u-7"}
            """,
            OpenAiChatRequest.class);

    JsonNode anthropic = written(translator.toAnthropic(request));

    assertThat(anthropic.get("messages")).hasSize(3);
    assertThat(anthropic.at("/messages/1/content/1/input/city").asString()).isEqualTo("Rome");
    assertThat(anthropic.at("/messages/2/role").asString()).isEqualTo("user");
    assertThat(anthropic.at("/messages/2/content/0/tool_use_id").asString()).isEqualTo("a");
    assertThat(anthropic.at("/messages/2/content/1/tool_use_id").asString()).isEqualTo("b");
    assertThat(anthropic.at("/tool_choice"))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                "{\"type\":\"tool\",\"name\":\"w\",\"disable_parallel_tool_use\":true}"));
    assertThat(anthropic.at("/stop_sequences/0").asString()).isEqualTo("END");
    assertThat(anthropic.at("/metadata/user_id").asString()).isEqualTo("u-7");
  }

  @Test
  void featuresAnthropicCannotExpressAreRefusedNamingTheField() {
    OpenAiChatRequest twoChoices =
        Fixtures.MAPPER.readValue(
            "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            OpenAiChatRequest.class);
    OpenAiChatRequest audio =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "messages": [{"role": "user", "content": [
              {"type": "input_audio", "input_audio": {"data": "AAA=", "format": "wav"}}]}]}
            """,
            OpenAiChatRequest.class);

    assertThat(
            catchThrowableOfType(
                    UntranslatableException.class, () -> translator.toAnthropic(twoChoices))
                .field())
        .isEqualTo("n");
    assertThat(
            catchThrowableOfType(UntranslatableException.class, () -> translator.toAnthropic(audio))
                .field())
        .isEqualTo("messages[0].content[0]");
  }

  @Test
  void jsonSchemaBecomesAForcedToolNamedAfterTheSchema() {
    OpenAiChatRequest request =
        Fixtures.MAPPER.readValue(
            """
            {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "Lisbon?"}],
             "response_format": {"type": "json_schema", "json_schema": {"name": "city_report",
               "strict": true, "schema": {"type": "object",
                 "properties": {"city": {"type": "string"}}, "required": ["city"],
                 "additionalProperties": false}}}}
            """,
            OpenAiChatRequest.class);

    JsonNode anthropic = written(translator.toAnthropic(request));

    assertThat(RequestTranslator.structuredOutputTool(request)).isEqualTo("city_report");
    assertThat(anthropic.at("/tools/0/name").asString()).isEqualTo("city_report");
    assertThat(anthropic.at("/tools/0/input_schema"))
        .isEqualTo(Fixtures.MAPPER.valueToTree(request).at("/response_format/json_schema/schema"));
    assertThat(anthropic.at("/tool_choice"))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                "{\"type\":\"tool\",\"name\":\"city_report\","
                    + "\"disable_parallel_tool_use\":true}"));
    assertThat(anthropic.has("response_format")).isFalse();
  }

  @Test
  void jsonSchemaBesideClientToolsLetsTheModelCallAnyTool() {
    OpenAiChatRequest request =
        Fixtures.MAPPER.readValue(
            """
            {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "Lisbon?"}],
             "tools": [{"type": "function", "function": {"name": "get_weather",
               "parameters": {"type": "object"}}}],
             "response_format": {"type": "json_schema", "json_schema": {"name": "city_report",
               "schema": {"type": "object"}}}}
            """,
            OpenAiChatRequest.class);

    JsonNode anthropic = written(translator.toAnthropic(request));

    assertThat(anthropic.at("/tools/0/name").asString()).isEqualTo("get_weather");
    assertThat(anthropic.at("/tools/1/name").asString()).isEqualTo("city_report");
    assertThat(anthropic.at("/tool_choice/type").asString()).isEqualTo("any");
  }

  @Test
  void jsonObjectBecomesASystemInstructionAndBadSchemasAreRefusedNamingTheField() {
    OpenAiChatRequest jsonObject =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
              {"role": "user", "content": "Lisbon?"}],
             "response_format": {"type": "json_object"}}
            """,
            OpenAiChatRequest.class);
    OpenAiChatRequest arraySchema =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "messages": [{"role": "user", "content": "hi"}],
             "response_format": {"type": "json_schema",
               "json_schema": {"name": "list", "schema": {"type": "array"}}}}
            """,
            OpenAiChatRequest.class);

    JsonNode anthropic = written(translator.toAnthropic(jsonObject));

    assertThat(anthropic.at("/system/0/text").asString()).isEqualTo("Be brief.");
    assertThat(anthropic.at("/system/1/text").asString())
        .isEqualTo(RequestTranslator.JSON_OBJECT_INSTRUCTION);
    assertThat(anthropic.has("tools")).isFalse();
    assertThat(RequestTranslator.structuredOutputTool(jsonObject)).isNull();
    assertThat(
            catchThrowableOfType(
                    UntranslatableException.class, () -> translator.toAnthropic(arraySchema))
                .field())
        .isEqualTo("response_format.json_schema.schema");
  }

  @Test
  void anthropicStreamingRequestAsksOpenAiForTheUsageChunk() {
    AnthropicMessageRequest request =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "max_tokens": 10, "stream": true, "system": "Be brief.",
             "messages": [{"role": "user", "content": "hi"}]}
            """,
            AnthropicMessageRequest.class);

    JsonNode openAi = written(translator.toOpenAi(request));

    assertThat(openAi)
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"model": "m", "max_completion_tokens": 10, "stream": true,
                 "stream_options": {"include_usage": true},
                 "messages": [{"role": "system", "content": "Be brief."},
                              {"role": "user", "content": "hi"}]}
                """));
  }
}
