package dev.tokenwise.common.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class OpenAiChatRequestParserTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'messages':[{'role':'user','content':'hi'}]}|model|missing_required_parameter",
        "{'model':7,'messages':[{'role':'user','content':'hi'}]}|model|invalid_type",
        "{'model':'m'}|messages|missing_required_parameter",
        "{'model':'m','messages':{}}|messages|invalid_type",
        "{'model':'m','messages':[]}|messages|empty_array",
        "{'model':'m','messages':['hi']}|messages[0]|invalid_type",
        "{'model':'m','messages':[{'role':'user','content':'a'},{'role':'user','content':'b'},"
            + "{'role':'robot','content':'c'}]}|messages[2].role|invalid_value",
        "{'model':'m','messages':[{'content':'hi'}]}|messages[0].role|missing_required_parameter",
        "{'model':'m','messages':[{'role':'user'}]}|messages[0].content|missing_required_parameter",
        "{'model':'m','messages':[{'role':'user','content':5}]}|messages[0].content|invalid_type",
        "{'model':'m','messages':[{'role':'user','content':[{'type':'text'}]}]}"
            + "|messages[0].content[0].text|missing_required_parameter",
        "{'model':'m','messages':[{'role':'tool','content':'x'}]}"
            + "|messages[0].tool_call_id|missing_required_parameter",
        "{'model':'m','messages':[{'role':'user','content':'hi'}],'max_tokens':'10'}"
            + "|max_tokens|invalid_type",
        "{'model':'m','messages':[{'role':'user','content':'hi'}],'max_completion_tokens':1.5}"
            + "|max_completion_tokens|invalid_type",
        "{'model':'m','messages':[{'role':'user','content':'hi'}],'max_tokens':99999999999999999999}"
            + "|max_tokens|invalid_value",
        "{'model':'m','messages':[{'role':'user','content':'hi'}],'stream':'yes'}|stream|invalid_type",
        "{'model':'m','messages':[{'role':'user','content':'hi'}],'stop':[1]}|stop[0]|invalid_type",
        "{'model':'m','messages':[{'role':'user','content':'hi'}],'tools':[{'type':'function'}]}"
            + "|tools[0].function|missing_required_parameter",
      })
  void namesTheOffendingField(String body, String param, String code) {
    OpenAiRequestException e = rejected(body.replace('\'', '"'));

    assertThat(e.param()).isEqualTo(param);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).contains(param);
  }

  @Test
  void malformedJsonIsReportedWithoutAField() {
    OpenAiRequestException e = rejected("{\"model\": ");

    assertThat(e.param()).isNull();
    assertThat(e.getMessage()).contains("could not parse the JSON body");
  }

  @Test
  void errorBodyCarriesAllFourKeys() {
    OpenAiRequestException e = rejected("{\"model\":\"m\",\"messages\":[]}");

    JsonNode body = mapper.valueToTree(e.toError());

    assertThat(body.get("error").propertyNames())
        .containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(body.at("/error/type").asString()).isEqualTo("invalid_request_error");
    assertThat(body.at("/error/param").asString()).isEqualTo("messages");
  }

  @Test
  void errorBodyKeepsNullKeys() {
    JsonNode body = mapper.valueToTree(OpenAiError.of("boom", "server_error", null, null));

    assertThat(body.get("error").has("param")).isTrue();
    assertThat(body.at("/error/param").isNull()).isTrue();
    assertThat(body.at("/error/code").isNull()).isTrue();
  }

  @Test
  void validRequestIsParsed() {
    OpenAiChatRequest request =
        OpenAiChatRequestParser.parse(
            mapper,
            ("{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}],"
                    + "\"max_tokens\":3}")
                .getBytes(StandardCharsets.UTF_8));

    assertThat(request.model()).isEqualTo("m");
    assertThat(request.requestedMaxTokens()).isEqualTo(3L);
  }

  private OpenAiRequestException rejected(String body) {
    return catchThrowableOfType(
        OpenAiRequestException.class,
        () -> OpenAiChatRequestParser.parse(mapper, body.getBytes(StandardCharsets.UTF_8)));
  }
}
