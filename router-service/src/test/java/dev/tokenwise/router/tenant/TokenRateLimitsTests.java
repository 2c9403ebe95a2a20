package dev.tokenwise.router.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.tokens.TokenEstimator;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TokenRateLimitsTests {

  private final JsonMapper json = JsonMapper.builder().build();

  /** The estimate counts text; each image, audio or file part is counted apart for budgets. */
  @Test
  void mediaPartsAreCountedInChatAndMessagesShapes() {
    JsonNode chat =
        json.readTree(
            """
            {"model":"gpt-5","messages":[{"role":"user","content":[
              {"type":"text","text":"What is in these?"},
              {"type":"image_url","image_url":{"url":"https://example.com/a.png"}},
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
              {"type":"file","file":{"file_id":"file-1"}}]}]}""");
    assertThat(TokenRateLimits.mediaParts(chat)).isEqualTo(3);
    JsonNode messages =
        json.readTree(
            """
            {"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}},
              {"type":"text","text":"Describe it."}]}]}""");
    assertThat(TokenRateLimits.mediaParts(messages)).isEqualTo(1);
    assertThat(
            TokenRateLimits.mediaParts(
                json.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")))
        .isZero();
  }

  @Test
  void aPromptIsChargedItsTextsToolsAndPerMessageTokens() {
    JsonNode chat =
        json.readTree(
            """
            {"model":"gpt-5","messages":[{"role":"system","content":"Be brief."},
             {"role":"user","content":"What is a token bucket?"}]}""");
    long text =
        TokenEstimator.shared()
            .countText("gpt-5", "system\nBe brief.\nuser\nWhat is a token bucket?\n");
    assertThat(TokenRateLimits.promptTokens("gpt-5", chat))
        .isEqualTo(
            text + 2 * TokenEstimator.TOKENS_PER_MESSAGE + TokenEstimator.REPLY_PRIMING_TOKENS);

    JsonNode withTools =
        json.readTree(
            """
            {"model":"gpt-5","messages":[{"role":"user","content":"What is a token bucket?"}],
             "tools":[{"type":"function","function":{"name":"get_weather",
               "description":"The current weather in a city, with temperature and wind"}}]}""");
    JsonNode withoutTools = withTools.deepCopy();
    ((tools.jackson.databind.node.ObjectNode) withoutTools).remove("tools");
    // providers bill tool definitions as input
    assertThat(TokenRateLimits.promptTokens("gpt-5", withTools))
        .isGreaterThan(TokenRateLimits.promptTokens("gpt-5", withoutTools) + 10);
  }

  @Test
  void imagesAreNotChargedByTheirBase64Text() {
    String base64 = "iVBORw0KGgo".repeat(5_000);
    JsonNode anthropic =
        json.readTree(
            """
            {"model":"claude-sonnet-4-5","max_tokens":10,"system":"Describe images.",
             "messages":[{"role":"user","content":[
               {"type":"image","source":{"type":"base64","media_type":"image/png","data":"%s"}},
               {"type":"text","text":"What is in it?"}]}]}"""
                .formatted(base64));
    assertThat(TokenRateLimits.promptTokens("claude-sonnet-4-5", anthropic)).isLessThan(50);
  }
}
