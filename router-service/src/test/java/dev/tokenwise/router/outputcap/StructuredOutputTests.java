package dev.tokenwise.router.outputcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class StructuredOutputTests {

  private static final String SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
          + "\"required\":[\"city\"],\"additionalProperties\":false}";

  private final JsonMapper json = JsonMapper.builder().build();

  private JsonNode completion(String content) {
    ObjectNode completion = json.createObjectNode();
    completion.putArray("choices").addObject().putObject("message").put("content", content);
    return completion;
  }

  @Test
  void injectsTheRouteSchemaAsResponseFormatUnlessTheClientSetOne() {
    ObjectNode request = (ObjectNode) json.readTree("{\"model\":\"gpt-5-mini\",\"messages\":[]}");
    assertThat(StructuredOutput.inject(request, SCHEMA, "place", json)).isTrue();
    assertThat(request.at("/response_format/type").asString()).isEqualTo("json_schema");
    assertThat(request.at("/response_format/json_schema/name").asString()).isEqualTo("place");
    assertThat(request.at("/response_format/json_schema/schema/required/0").asString())
        .isEqualTo("city");

    ObjectNode own = (ObjectNode) json.readTree("{\"response_format\":{\"type\":\"text\"}}");
    assertThat(StructuredOutput.inject(own, SCHEMA, "place", json)).isFalse();
    assertThat(own.at("/response_format/type").asString()).isEqualTo("text");
  }

  @Test
  void validatesAnswersAgainstTheSchema() {
    assertThat(StructuredOutput.problems(completion("{\"city\":\"Oslo\"}"), SCHEMA, json))
        .isEmpty();
    assertThat(StructuredOutput.problems(completion("{\"town\":\"Oslo\"}"), SCHEMA, json))
        .isNotEmpty();
    assertThat(StructuredOutput.problems(completion("Oslo, of course"), SCHEMA, json))
        .containsExactly("the answer is not JSON");
  }

  @Test
  void theRepairRequestShowsTheModelItsAnswerAndTheProblems() {
    ObjectNode request =
        (ObjectNode)
            json.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}");
    ObjectNode repair =
        StructuredOutput.repairRequest(request, completion("nope"), List.of("not JSON"));
    assertThat(repair.path("messages")).hasSize(3);
    assertThat(repair.at("/messages/1/content").asString()).isEqualTo("nope");
    assertThat(repair.at("/messages/2/content").asString()).contains("not JSON");
    assertThat(request.path("messages")).hasSize(1);
  }
}
