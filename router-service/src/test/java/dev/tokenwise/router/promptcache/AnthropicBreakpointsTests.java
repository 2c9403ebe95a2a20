package dev.tokenwise.router.promptcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class AnthropicBreakpointsTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final PromptCacheProperties facts =
      new PromptCacheProperties(Map.of("claude", 1024L), 1024, 0.1, 1.25, 2.0);

  private ObjectNode conversation(int systemWords, int turns) {
    ObjectNode body = json.createObjectNode();
    body.put("model", "claude-sonnet-4-5");
    body.put("system", "policy ".repeat(systemWords));
    ArrayNode messages = body.putArray("messages");
    for (int i = 0; i < turns; i++) {
      messages.addObject().put("role", "user").put("content", "question " + i);
      messages.addObject().put("role", "assistant").put("content", "answer " + i);
    }
    messages.addObject().put("role", "user").put("content", "latest");
    return body;
  }

  @Test
  void marksSystemAndTheLastStableTurnWhenReuseIsExpected() {
    ObjectNode body = conversation(3000, 3);
    AnthropicBreakpoints.Placed placed =
        AnthropicBreakpoints.place(body, "claude-sonnet-4-5", facts, "auto", 0.3, 2, 2);
    assertThat(placed.added()).isEqualTo(2);
    assertThat(placed.ttl()).isEqualTo("5m");
    assertThat(body.at("/system/0/cache_control/type").asString()).isEqualTo("ephemeral");
    assertThat(body.at("/messages/5/content/0/cache_control/ttl").asString()).isEqualTo("5m");
    assertThat(body.at("/messages/6/content").isString()).isTrue();
  }

  @Test
  void placesNothingBelowTheModelsMinimumCacheableLength() {
    ObjectNode body = conversation(20, 1);
    AnthropicBreakpoints.Placed placed =
        AnthropicBreakpoints.place(body, "claude-sonnet-4-5", facts, "auto", 0.3, 5, 5);
    assertThat(placed.added()).isZero();
    assertThat(body.toString()).doesNotContain("cache_control");
  }

  @Test
  void aFirstSightedSystemPromptIsNotWrittenWithoutATurnToReuseIt() {
    ObjectNode body = conversation(3000, 0);
    AnthropicBreakpoints.Placed placed =
        AnthropicBreakpoints.place(body, "claude-sonnet-4-5", facts, "auto", 0.3, 0, 0);
    assertThat(placed.added()).isZero();
  }

  @Test
  void neverExceedsFourBreakpointsCountingTheClients() {
    ObjectNode body = conversation(3000, 3);
    ArrayNode messages = (ArrayNode) body.path("messages");
    for (int i = 0; i < 3; i++) {
      ObjectNode block = json.createObjectNode().put("type", "text").put("text", "q");
      block.putObject("cache_control").put("type", "ephemeral");
      ((ObjectNode) messages.get(i)).putArray("content").add(block);
    }
    AnthropicBreakpoints.Placed placed =
        AnthropicBreakpoints.place(body, "claude-sonnet-4-5", facts, "auto", 0.3, 3, 3);
    assertThat(placed.clients()).isEqualTo(3);
    assertThat(placed.added()).isEqualTo(1);
    assertThat(AnthropicBreakpoints.countClientBreakpoints(body)).isEqualTo(4);
  }

  @Test
  void choosesTheHourTtlOnlyWhenHourlyReusePaysTheDoublePrice() {
    assertThat(AnthropicBreakpoints.ttl("auto", facts, 0.3, 0, 3)).isEqualTo("1h");
    assertThat(AnthropicBreakpoints.ttl("auto", facts, 0.3, 0, 1)).isNull();
    assertThat(AnthropicBreakpoints.ttl("auto", facts, 0.3, 1, 1)).isEqualTo("5m");
  }
}
