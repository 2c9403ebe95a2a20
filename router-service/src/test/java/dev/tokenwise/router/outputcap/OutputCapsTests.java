package dev.tokenwise.router.outputcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.route.RouteProperties;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class OutputCapsTests {

  private final JsonMapper json = JsonMapper.builder().build();

  private ObjectNode request(String body) {
    return (ObjectNode) json.readTree(body);
  }

  @Test
  void injectsTheDefaultAsMaxTokensForANonReasoningModel() {
    ObjectNode request = request("{\"model\":\"gpt-4.1-mini\",\"messages\":[]}");
    OutputCaps.Applied applied =
        OutputCaps.apply(request, new RouteProperties.Output(300L, 1000L), "gpt-4.1-mini");
    assertThat(applied.requested()).isNull();
    assertThat(applied.applied()).isEqualTo(300L);
    assertThat(applied.action()).isEqualTo("injected");
    assertThat(request.path("max_tokens").asLong()).isEqualTo(300);
  }

  @Test
  void clampsAndUsesMaxCompletionTokensForReasoningModels() {
    ObjectNode request = request("{\"model\":\"gpt-5-mini\",\"max_tokens\":5000}");
    OutputCaps.Applied applied =
        OutputCaps.apply(request, new RouteProperties.Output(300L, 1000L), "gpt-5-mini");
    assertThat(applied.requested()).isEqualTo(5000L);
    assertThat(applied.applied()).isEqualTo(1000L);
    assertThat(applied.action()).isEqualTo("clamped");
    assertThat(request.has("max_tokens")).isFalse();
    assertThat(request.path("max_completion_tokens").asLong()).isEqualTo(1000);
  }

  @Test
  void leavesACapWithinTheMaximumAlone() {
    ObjectNode request = request("{\"model\":\"gpt-4o\",\"max_tokens\":200}");
    OutputCaps.Applied applied =
        OutputCaps.apply(request, new RouteProperties.Output(300L, 1000L), "gpt-4o");
    assertThat(applied.applied()).isEqualTo(200L);
    assertThat(applied.action()).isEqualTo("none");
    assertThat(request.path("max_tokens").asLong()).isEqualTo(200);
  }
}
