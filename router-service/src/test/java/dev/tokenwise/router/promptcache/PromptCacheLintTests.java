package dev.tokenwise.router.promptcache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class PromptCacheLintTests {

  private final JsonMapper json = JsonMapper.builder().build();

  private ObjectNode request(String body) {
    return (ObjectNode) json.readTree(body);
  }

  @Test
  void namesTheFirstDifferingPositionOfEachRule() {
    ObjectNode naive =
        request(
            """
            {"model":"gpt-5-mini","messages":[
              {"role":"user","content":"hi"},
              {"role":"system","content":"You are helpful.\\nNow: 2026-11-27T03:04:05Z"}]}
            """);
    assertThat(new PromptCacheLint().lint("r", naive))
        .containsExactly(
            new LintFinding("user-before-system", "messages[1]"),
            new LintFinding("volatile-system", "messages[1].content[22]"));
  }

  @Test
  void toolsChangingBetweenRequestsOfARouteAreFlagged() {
    PromptCacheLint lint = new PromptCacheLint();
    String a = "{\"type\":\"function\",\"function\":{\"name\":\"a\"}}";
    String b = "{\"type\":\"function\",\"function\":{\"name\":\"b\"}}";
    assertThat(lint.lint("r", request("{\"messages\":[],\"tools\":[" + a + "," + b + "]}")))
        .isEmpty();
    assertThat(lint.lint("r", request("{\"messages\":[],\"tools\":[" + a + "," + b + "]}")))
        .isEmpty();
    assertThat(lint.lint("r", request("{\"messages\":[],\"tools\":[" + b + "," + a + "]}")))
        .containsExactly(new LintFinding("tools-changed", "tools[0]"));
  }

  @Test
  void theFixPutsSystemFirstAndMovesVolatileLinesIntoTheLatestUserTurn() {
    ObjectNode naive =
        request(
            """
            {"messages":[
              {"role":"user","content":"first"},
              {"role":"system","content":"Rules.\\nCurrent time: 2026-11-27 03:04"},
              {"role":"assistant","content":"ok"},
              {"role":"user","content":"second"}]}
            """);
    assertThat(PromptCacheLint.fix(naive)).isTrue();
    assertThat(naive.at("/messages/0/role").asString()).isEqualTo("system");
    assertThat(naive.at("/messages/0/content").asString()).isEqualTo("Rules.");
    assertThat(naive.at("/messages/1/content").asString()).isEqualTo("first");
    assertThat(naive.at("/messages/3/content").asString())
        .isEqualTo("[Current time: 2026-11-27 03:04]\n\nsecond");
  }

  @Test
  void aCleanRequestIsLeftAlone() {
    ObjectNode clean =
        request(
            "{\"messages\":[{\"role\":\"system\",\"content\":\"Rules.\"},"
                + "{\"role\":\"user\",\"content\":\"q\"}]}");
    assertThat(new PromptCacheLint().lint("r", clean)).isEmpty();
    assertThat(PromptCacheLint.fix(clean)).isFalse();
  }
}
