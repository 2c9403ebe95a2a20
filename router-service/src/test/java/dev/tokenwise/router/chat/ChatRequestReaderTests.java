package dev.tokenwise.router.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.pipeline.ClientCall;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

class ChatRequestReaderTests {

  private final ChatRequestReader reader = new ChatRequestReader(JsonMapper.builder().build());

  @Test
  void validRequestKeepsTheClientJsonAndReadsItsFacts() {
    ClientCall call =
        parse(
            """
            {"model":"gpt-5-mini","messages":[{"role":"user","content":"hi"}],
             "max_completion_tokens":50,"user":"u-1","seed":7}""");
    assertThat(call.model()).isEqualTo("gpt-5-mini");
    assertThat(call.stream()).isFalse();
    assertThat(call.requestedMaxTokens()).isEqualTo(50L);
    assertThat(call.endUser()).isEqualTo("u-1");
    assertThat(call.openAi().get("seed").asInt()).isEqualTo(7);
  }

  @Test
  void maxTokensIsTheFallbackCap() {
    assertThat(
            parse(
                    """
                    {"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":9}""")
                .requestedMaxTokens())
        .isEqualTo(9L);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "missing model|{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}|model|missing_required_parameter",
        "model not a string|{\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}|model|invalid_type",
        "missing messages|{\"model\":\"m\"}|messages|missing_required_parameter",
        "messages not an array|{\"model\":\"m\",\"messages\":\"hi\"}|messages|invalid_type",
        "empty messages|{\"model\":\"m\",\"messages\":[]}|messages|empty_array",
        "message not an object|{\"model\":\"m\",\"messages\":[\"hi\"]}|messages[0]|invalid_type",
        "message without role|{\"model\":\"m\",\"messages\":[{\"content\":\"hi\"}]}|messages[0].role|missing_required_parameter",
        "unknown role|{\"model\":\"m\",\"messages\":[{\"role\":\"bot\",\"content\":\"hi\"}]}|messages[0].role|invalid_value",
        "content a number|{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":1}]}|messages[0].content|invalid_type",
        "stream a string|{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}|stream|invalid_type",
        "max_tokens negative|{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-1}|max_tokens|invalid_value",
        "temperature a string|{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}|temperature|invalid_type",
      })
  void invalidRequestIs400NamingTheField(String name, String body, String param, String code) {
    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            OpenAiApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(400);
              assertThat(e.type()).isEqualTo("invalid_request_error");
              assertThat(e.param()).isEqualTo(param);
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.getMessage()).contains(param);
            });
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"{\"model\":", "[1,2]", "\"text\"", "{\"model\":\"m\"} trailing"})
  void malformedJsonOrNonObjectIs400(String body) {
    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            OpenAiApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(400);
              assertThat(e.code()).isIn("invalid_json", "invalid_type");
            });
  }

  private ClientCall parse(String body) {
    return reader.parse(body.getBytes(StandardCharsets.UTF_8));
  }
}
