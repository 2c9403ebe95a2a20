package dev.tokenwise.router.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.core.ObjectMappers;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStreamEvent;
import dev.tokenwise.router.error.OpenAiApiException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Responses API adapter's translations, checked against the official OpenAI SDK's own models
 * (parsed and validated as the SDK does with {@code responseValidation(true)}).
 */
class ResponsesTranslationTests {

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void aRequestBecomesTheChatRequestThePipelineServes() {
    ObjectNode chat =
        ResponsesRequests.toChat(
            json.readTree(
                """
                {"model":"gpt-5","instructions":"Be brief.","max_output_tokens":50,"store":true,
                 "input":[{"role":"user","content":[{"type":"input_text","text":"Weather?"}]},
                   {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather",
                    "arguments":"{\\"city\\":\\"Lisbon\\"}","status":"completed"},
                   {"type":"function_call_output","call_id":"call_1","output":"sunny"}],
                 "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"},
                   "strict":false}],
                 "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"}}},
                 "stream":true}"""));
    assertThat(chat.at("/messages/0/role").asString()).isEqualTo("developer");
    assertThat(chat.at("/messages/1/content/0/text").asString()).isEqualTo("Weather?");
    assertThat(chat.at("/messages/2/tool_calls/0/id").asString()).isEqualTo("call_1");
    assertThat(chat.at("/messages/2/tool_calls/0/function/name").asString())
        .isEqualTo("get_weather");
    assertThat(chat.at("/messages/3/role").asString()).isEqualTo("tool");
    assertThat(chat.at("/messages/3/tool_call_id").asString()).isEqualTo("call_1");
    assertThat(chat.at("/tools/0/function/name").asString()).isEqualTo("get_weather");
    assertThat(chat.at("/response_format/json_schema/name").asString()).isEqualTo("w");
    assertThat(chat.path("max_completion_tokens").asLong()).isEqualTo(50);
    assertThat(chat.at("/stream_options/include_usage").asBoolean()).isTrue();
    assertThat(chat.has("store")).isFalse();
  }

  @Test
  void storedStateAndUnknownParametersAreRefusedNamingTheField() {
    assertThatThrownBy(
            () ->
                ResponsesRequests.toChat(
                    json.readTree(
                        "{\"model\":\"gpt-5\",\"input\":\"hi\",\"previous_response_id\":\"r\"}")))
        .isInstanceOfSatisfying(
            OpenAiApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(400);
              assertThat(e.getMessage()).contains("previous_response_id");
            });
    assertThatThrownBy(
            () ->
                ResponsesRequests.toChat(
                    json.readTree(
                        "{\"model\":\"gpt-5\",\"input\":\"hi\","
                            + "\"tools\":[{\"type\":\"web_search\"}]}")))
        .isInstanceOf(OpenAiApiException.class)
        .hasMessageContaining("web_search");
  }

  @Test
  void aModelOfTheWrongTypeIsNamedAsSuchAndAMissingOneAsMissing() {
    assertThatThrownBy(
            () -> ResponsesRequests.toChat(json.readTree("{\"model\":5,\"input\":\"hi\"}")))
        .isInstanceOfSatisfying(
            OpenAiApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(400);
              assertThat(e.param()).isEqualTo("model");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "Invalid type for 'model': expected a string, but got number instead.");
            });
    assertThatThrownBy(() -> ResponsesRequests.toChat(json.readTree("{\"input\":\"hi\"}")))
        .isInstanceOf(OpenAiApiException.class)
        .hasMessage("You must provide a model parameter.");
  }

  @Test
  void aCompletionIsAResponseTheSdkAccepts() throws Exception {
    JsonNode completion =
        json.readTree(
            """
            {"id":"chatcmpl-1","object":"chat.completion","created":1764200000,"model":"gpt-5",
             "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant",
               "content":"Let me check.","tool_calls":[{"id":"call_1","type":"function",
               "function":{"name":"get_weather","arguments":"{}"}}]}}],
             "usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25,
               "prompt_tokens_details":{"cached_tokens":8}}}""");
    JsonNode request = json.readTree("{\"model\":\"gpt-5\",\"input\":\"hi\"}");
    byte[] body = json.writeValueAsBytes(ResponseObjects.fromCompletion(completion, request));
    Response response = ObjectMappers.jsonMapper().readValue(body, Response.class).validate();
    assertThat(response.output()).hasSize(2);
    assertThat(response.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo("Let me check.");
    assertThat(response.output().get(1).asFunctionCall().callId()).isEqualTo("call_1");
    assertThat(response.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(8);
  }

  @Test
  void aChunkStreamIsEventsTheSdkAccepts() throws Exception {
    ResponsesStream stream = new ResponsesStream(json, json.readTree("{\"model\":\"gpt-5\"}"));
    List<byte[]> events = new ArrayList<>();
    String head = "{\"id\":\"chatcmpl-s\",\"created\":1764200000,\"model\":\"gpt-5\",";
    for (String chunk :
        List.of(
            head
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}",
            head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}",
            head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
            head + "\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}",
            "[DONE]")) {
      events.addAll(stream.accept(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8)));
    }
    events.addAll(stream.end());
    List<ResponseStreamEvent> parsed = new ArrayList<>();
    for (byte[] event : events) {
      String text = new String(event, StandardCharsets.UTF_8);
      String data = text.substring(text.indexOf("data: ") + 6).strip();
      parsed.add(ObjectMappers.jsonMapper().readValue(data, ResponseStreamEvent.class).validate());
    }
    assertThat(parsed.get(0).isCreated()).isTrue();
    assertThat(parsed.get(parsed.size() - 1).isCompleted()).isTrue();
    Response done = parsed.get(parsed.size() - 1).asCompleted().response();
    assertThat(done.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo("Hello");
    assertThat(done.usage().orElseThrow().outputTokens()).isEqualTo(2);
    for (int i = 0; i < events.size(); i++) {
      assertThat(new String(events.get(i), StandardCharsets.UTF_8))
          .contains("\"sequence_number\":" + i);
    }
  }
}
