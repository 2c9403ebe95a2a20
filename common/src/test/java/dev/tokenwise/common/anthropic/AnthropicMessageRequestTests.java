package dev.tokenwise.common.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class AnthropicMessageRequestTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  private static final String REQUEST =
      """
      {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral", "ttl": "1h"}, "x_sys": 1}],
        "messages": [
          {"role": "user", "content": [
            {"type": "text", "text": "Describe", "citations": null},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "doc"}, "title": "T"}
          ], "x_msg": [true]},
          {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": [1, 2.5]}}]},
          {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "42", "is_error": false}]}
        ],
        "tools": [{"name": "f", "description": "d", "input_schema": {"type": "object"}, "x_tool": "keep"},
                  {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u-1"},
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "container": "c-1",
        "mcp_servers": [{"type": "url", "url": "https://mcp.example.com", "name": "x"}]
      }
      """;

  @Test
  void unknownFieldsSurviveReadModifyWrite() {
    AnthropicMessageRequest request = mapper.readValue(REQUEST, AnthropicMessageRequest.class);

    JsonNode written =
        mapper.readTree(mapper.writeValueAsString(request.withModel("claude-haiku-4-5")));

    ObjectNode expected = (ObjectNode) mapper.readTree(REQUEST);
    expected.put("model", "claude-haiku-4-5");
    assertThat(written).isEqualTo(expected);
    assertThat(request.system().joinedText()).isEqualTo("Be brief.");
    assertThat(request.messages().get(1).content().asBlocks().get(0).input().at("/a/1").asDouble())
        .isEqualTo(2.5);
    assertThat(request.messages().get(2).content().asBlocks().get(0).content().joinedText())
        .isEqualTo("42");
  }

  @Test
  void serverToolResultsWithObjectContentPassThrough() {
    String response =
        """
        {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
         "content": [
           {"type": "server_tool_use", "id": "srvtoolu_1", "name": "code_execution", "input": {"code": "print(1)"}},
           {"type": "code_execution_tool_result", "tool_use_id": "srvtoolu_1",
            "content": {"type": "code_execution_result", "stdout": "1\\n", "stderr": "", "return_code": 0}},
           {"type": "text", "text": "It printed 1."}],
         "stop_reason": "end_turn", "usage": {"input_tokens": 10, "output_tokens": 5}}
        """;

    AnthropicMessageResponse read = mapper.readValue(response, AnthropicMessageResponse.class);

    assertThat(read.content().get(1).content()).isInstanceOf(AnthropicContent.Other.class);
    assertThat(mapper.readTree(mapper.writeValueAsString(read)))
        .isEqualTo(mapper.readTree(response));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'max_tokens':1,'messages':[{'role':'user','content':'hi'}]}|model",
        "{'model':'m','messages':[{'role':'user','content':'hi'}]}|max_tokens",
        "{'model':'m','max_tokens':'1','messages':[{'role':'user','content':'hi'}]}|max_tokens",
        "{'model':'m','max_tokens':1}|messages",
        "{'model':'m','max_tokens':1,'messages':[]}|messages",
        "{'model':'m','max_tokens':1,'messages':[{'role':'user','content':'a'},"
            + "{'role':'system','content':'b'}]}|messages.1.role",
        "{'model':'m','max_tokens':1,'messages':[{'role':'user'}]}|messages.0.content",
        "{'model':'m','max_tokens':1,'messages':[{'role':'user','content':[{'type':'text'}]}]}"
            + "|messages.0.content.0.text",
        "{'model':'m','max_tokens':1,'system':[{'type':'text'}],"
            + "'messages':[{'role':'user','content':'hi'}]}|system.0.text",
        "{'model':'m','max_tokens':99999999999999999999,"
            + "'messages':[{'role':'user','content':'hi'}]}|max_tokens",
      })
  void namesTheOffendingField(String body, String field) {
    AnthropicRequestException e =
        catchThrowableOfType(
            AnthropicRequestException.class,
            () ->
                AnthropicMessageRequestParser.parse(
                    mapper, body.replace('\'', '"').getBytes(StandardCharsets.UTF_8)));

    assertThat(e.field()).isEqualTo(field);
    assertThat(e.getMessage()).startsWith(field + ": ");
    JsonNode error = mapper.valueToTree(e.toError());
    assertThat(error.get("type").asString()).isEqualTo("error");
    assertThat(error.at("/error/type").asString()).isEqualTo("invalid_request_error");
  }
}
