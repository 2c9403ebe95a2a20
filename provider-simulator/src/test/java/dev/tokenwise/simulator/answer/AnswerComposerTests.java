package dev.tokenwise.simulator.answer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.simulator.answer.Answer.Stop;
import dev.tokenwise.simulator.answer.Prompt.Output;
import dev.tokenwise.simulator.answer.Prompt.Tool;
import dev.tokenwise.simulator.answer.Prompt.ToolChoice;
import dev.tokenwise.simulator.model.ModelCatalog;
import dev.tokenwise.simulator.model.ModelProperties;
import dev.tokenwise.simulator.quality.QualityWorld;
import dev.tokenwise.simulator.quality.Truth;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AnswerComposerTests {

  final QualityWorld world =
      new QualityWorld(
          new ModelCatalog(
              new ModelProperties(
                  List.of("gpt-5", "gpt-5-nano"),
                  List.of("claude-sonnet-4-5"),
                  List.of(),
                  true,
                  null,
                  0.5)));
  final AnswerComposer composer = new AnswerComposer(world);
  final JsonMapper json = JsonMapper.builder().build();

  static Prompt prompt(String question) {
    return prompt("gpt-5", question);
  }

  static Prompt prompt(String model, String question) {
    return new Prompt(
        model, question, null, List.of(), ToolChoice.AUTO, false, null, List.of(), null);
  }

  @Test
  void sameQuestionSameAnswerQuotingTheQuestion() {
    Answer a = composer.compose(prompt("What does a cache hit cost?"));
    Answer b = composer.compose(prompt("What does a cache hit cost?"));
    Answer c = composer.compose(prompt("What does a cache miss cost?"));

    assertThat(a).isEqualTo(b);
    assertThat(a.text()).startsWith("You asked: \"What does a cache hit cost?\".");
    assertThat(c.text()).isNotEqualTo(a.text());
    assertThat(a.stop()).isEqualTo(Stop.END_TURN);
    assertThat(a.outputTokens()).isEqualTo(TokenEstimator.shared().countText("gpt-5", a.text()));
    assertThat(String.join("", a.textPieces())).isEqualTo(a.text());
    List<String> sentences = List.of(a.text().split("(?<=\\.) "));
    assertThat(sentences).doesNotHaveDuplicates();
  }

  @Test
  void maxTokensCutsTheAnswerAtAWordAndSaysSo() {
    Prompt capped =
        new Prompt(
            "gpt-5", "Tell me a lot", null, List.of(), ToolChoice.AUTO, false, 7L, List.of(), null);

    Answer answer = composer.compose(capped);

    assertThat(answer.stop()).isEqualTo(Stop.MAX_TOKENS);
    assertThat(answer.outputTokens()).isBetween(1L, 7L);
    assertThat(composer.compose(prompt("Tell me a lot")).text()).startsWith(answer.text());
  }

  @Test
  void stopSequenceEndsTheAnswerBeforeIt() {
    Prompt stopped =
        new Prompt(
            "gpt-5",
            "Stop me",
            null,
            List.of(),
            ToolChoice.AUTO,
            false,
            null,
            List.of("asked"),
            null);

    Answer answer = composer.compose(stopped);

    assertThat(answer.text()).isEqualTo("You ");
    assertThat(answer.stop()).isEqualTo(Stop.STOP_SEQUENCE);
    assertThat(answer.stopSequence()).isEqualTo("asked");
  }

  @Test
  void requestedLengthIsMetToWithinAWord() {
    Prompt longer =
        new Prompt(
            "claude-sonnet-4-5",
            "hi",
            null,
            List.of(),
            ToolChoice.AUTO,
            false,
            null,
            List.of(),
            500);

    assertThat(composer.compose(longer).outputTokens()).isBetween(495L, 500L);
  }

  @Test
  void toolCallsFillEveryRequiredPropertyByType() {
    JsonNode schema =
        json.readTree(
            """
            {"type":"object","properties":{
              "city":{"type":"string"},"days":{"type":"integer"},"metric":{"type":"boolean"},
              "unit":{"enum":["c","f"]},"note":{"type":"string"}},
             "required":["city","days","metric","unit"]}""");
    Prompt forced =
        new Prompt(
            "gpt-5",
            "Weather in Oslo",
            null,
            List.of(new Tool("lookup", null), new Tool("get_weather", schema)),
            new ToolChoice(ToolChoice.Mode.NAMED, "get_weather"),
            false,
            null,
            List.of(),
            null);

    Answer answer = composer.compose(forced);

    assertThat(answer.stop()).isEqualTo(Stop.TOOL_USE);
    assertThat(answer.toolCall().name()).isEqualTo("get_weather");
    JsonNode input = answer.toolCall().input();
    assertThat(input.propertyNames()).containsExactlyInAnyOrder("city", "days", "metric", "unit");
    assertThat(input.path("city").asString()).isEqualTo("Weather in Oslo");
    assertThat(input.path("days").isInt()).isTrue();
    assertThat(input.path("unit").asString()).isEqualTo("c");
    assertThat(String.join("", answer.toolCall().inputPieces())).isEqualTo(input.toString());
  }

  @Test
  void autoCallsOnlyAToolTheQuestionMentionsAndNotAfterItsResult() {
    List<Tool> tools = List.of(new Tool("get_weather", null));
    Prompt unrelated =
        new Prompt("gpt-5", "Say hi", null, tools, ToolChoice.AUTO, true, null, List.of(), null);
    Prompt mentioned =
        new Prompt(
            "gpt-5",
            "Use get weather now",
            null,
            tools,
            ToolChoice.AUTO,
            true,
            null,
            List.of(),
            null);
    Prompt answered =
        new Prompt(
            "gpt-5",
            "Use get weather now",
            "sunny",
            tools,
            ToolChoice.AUTO,
            true,
            null,
            List.of(),
            null);

    assertThat(composer.compose(unrelated).toolCall()).isNull();
    Answer call = composer.compose(mentioned);
    assertThat(call.toolCall().name()).isEqualTo("get_weather");
    assertThat(call.text()).startsWith("I'll use the get_weather tool");
    assertThat(composer.compose(answered).text()).contains("\"sunny\"");
  }

  @Test
  void aChoiceOrANumberEndsTheAnswerOnALineOfItsOwnAndAFactFollowsTheQuote() {
    String choice = "Which is a prime?\nA) 4\nB) 6\nC) 7\nD) 9";
    Truth nano = world.truth("gpt-5-nano", choice);

    assertThat(composer.compose(prompt("gpt-5-nano", choice)).text())
        .startsWith("You asked: ")
        .endsWith("\n\nAnswer: " + nano.finalAnswer());
    assertThat(composer.compose(prompt("gpt-5", "What is 17 + 25?")).text())
        .endsWith("\n\nAnswer: " + world.truth("gpt-5", "What is 17 + 25?").finalAnswer());
    Truth fact = world.truth("gpt-5", "Explain caching");
    assertThat(composer.compose(prompt("gpt-5", "Explain caching")).text())
        .startsWith(
            "You asked: \"Explain caching\". The deciding detail is the "
                + fact.finalAnswer()
                + ".")
        .doesNotContain("Answer:");
  }

  @Test
  void aLongAnswerStillEndsWithItsFinalAnswer() {
    String question = "What is 120 * 3?";
    Prompt longer =
        new Prompt(
            "gpt-5", question, null, List.of(), ToolChoice.AUTO, false, null, List.of(), 300);

    Answer answer = composer.compose(longer);

    assertThat(answer.outputTokens()).isBetween(290L, 300L);
    assertThat(answer.text()).endsWith("Answer: " + world.truth("gpt-5", question).finalAnswer());
  }

  @Test
  void aJsonObjectAnswerStaysJsonWithTheFinalAnswerInside() {
    String question = "Reply in JSON. What is 2 + 2?";
    Prompt asJson =
        new Prompt(
            "gpt-5",
            question,
            null,
            List.of(),
            ToolChoice.AUTO,
            false,
            null,
            List.of(),
            null,
            new Output(Output.Kind.JSON_OBJECT, null));

    JsonNode answer = json.readTree(composer.compose(asJson).text());

    assertThat(answer.path("answer").asString())
        .endsWith("Answer: " + world.truth("gpt-5", question).finalAnswer());
  }
}
