package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tokenwise.common.anthropic.AnthropicMessageRequestParser;
import dev.tokenwise.common.anthropic.AnthropicRequestException;
import dev.tokenwise.common.openai.OpenAiChatRequestParser;
import dev.tokenwise.common.openai.OpenAiRequestException;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ResilientProviders;
import java.util.Arrays;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Jazzer over what the router does with a client's body before any provider sees it: parse,
 * validate (OpenAI or Anthropic rules) and translate to the served format (OpenAI, Anthropic or
 * Gemini). Every input must end in a client error (a parse failure, a validation error naming the
 * field, or a 4xx) or a body to send; anything else (a 5xx, an unexpected exception) is a finding.
 * The first byte picks the endpoint and the served model's format; the rest is the body. Bounded in
 * the normal build ({@code JAZZER_FUZZ=1} and {@code maxExecutions}, set in this module's Surefire
 * configuration); seeds in {@code src/test/resources/.../RequestParsingFuzzTestsInputs}.
 */
class RequestParsingFuzzTests {

  private static final JsonMapper json = JsonMapper.builder().build();
  private static final Formats formats = new Formats(json);

  @FuzzTest(maxExecutions = 30_000)
  void parsingAndTranslationEndInAClientErrorOrABody(byte[] input) {
    int flags = input.length == 0 ? 0 : input[0];
    byte[] body = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
    boolean messagesEndpoint = (flags & 1) != 0;
    ProviderKind served =
        (flags & 4) != 0
            ? ProviderKind.GEMINI
            : (flags & 2) != 0 ? ProviderKind.ANTHROPIC : ProviderKind.OPENAI;
    ResilientProviders.Target target =
        new ResilientProviders.Target(
            served,
            switch (served) {
              case ANTHROPIC -> "claude-sonnet-4-5";
              case GEMINI -> "gemini-2.5-flash";
              case OPENAI -> "gpt-5";
            });
    try {
      JsonNode tree = json.readTree(body);
      byte[] out;
      if (messagesEndpoint) {
        AnthropicMessageRequestParser.parse(json, tree);
        out = formats.fromAnthropic((ObjectNode) tree, body, target);
      } else {
        OpenAiChatRequestParser.parse(json, tree);
        out = formats.fromOpenAi((ObjectNode) tree, body, target);
      }
      assertThat(json.readTree(out).isObject()).isTrue();
    } catch (JacksonException | OpenAiRequestException | AnthropicRequestException e) {
      // the client's malformed body or invalid field: a 400 naming it
    } catch (OpenAiApiException e) {
      assertThat(e.status().is4xxClientError()).as(e.getMessage()).isTrue();
    }
  }
}
