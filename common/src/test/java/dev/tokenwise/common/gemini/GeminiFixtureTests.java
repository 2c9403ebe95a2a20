package dev.tokenwise.common.gemini;

import static dev.tokenwise.common.openai.Fixtures.read;
import static dev.tokenwise.common.openai.Fixtures.tree;
import static dev.tokenwise.common.openai.Fixtures.withoutNulls;
import static dev.tokenwise.common.openai.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.openai.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pins the Gemini wire models to the documented examples: read, write, compare trees. */
class GeminiFixtureTests {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "gemini/generate-content-request-text.json,"
        + " dev.tokenwise.common.gemini.GeminiGenerateContentRequest",
    "gemini/generate-content-request-tools.json,"
        + " dev.tokenwise.common.gemini.GeminiGenerateContentRequest",
    "gemini/generate-content-response-text.json,"
        + " dev.tokenwise.common.gemini.GeminiGenerateContentResponse",
    "gemini/generate-content-response-function-call.json,"
        + " dev.tokenwise.common.gemini.GeminiGenerateContentResponse",
    "gemini/error-api-key-invalid.json, dev.tokenwise.common.gemini.GeminiError",
  })
  void fixtureRoundTripsUnchanged(String fixture, Class<?> type) {
    Object model = read(fixture, type);

    assertThat(withoutNulls(written(model))).isEqualTo(withoutNulls(tree(fixture)));
  }

  @Test
  void streamChunksRoundTripUnchanged() {
    for (String data : Fixtures.sseData("gemini/stream-text.txt")) {
      GeminiGenerateContentResponse chunk =
          Fixtures.MAPPER.readValue(data, GeminiGenerateContentResponse.class);

      assertThat(withoutNulls(written(chunk)))
          .isEqualTo(withoutNulls(Fixtures.MAPPER.readTree(data)));
    }
  }

  @Test
  void documentedResponseIsReadIntoTheModel() {
    GeminiGenerateContentResponse response =
        read("gemini/generate-content-response-text.json", GeminiGenerateContentResponse.class);

    assertThat(response.candidates().get(0).content().text())
        .isEqualTo("AI learns patterns from data to make predictions or decisions.");
    assertThat(response.finishReason()).isEqualTo("STOP");
    assertThat(response.usageMetadata().promptTokenCount()).isEqualTo(8L);
    assertThat(response.usageMetadata().thoughtsTokenCount()).isEqualTo(1051L);
    assertThat(response.usageMetadata().extra()).containsKey("promptTokensDetails");
  }

  @Test
  void documentedRequestKeepsWhatItDoesNotModel() {
    GeminiGenerateContentRequest request =
        read("gemini/generate-content-request-text.json", GeminiGenerateContentRequest.class);

    assertThat(request.maxOutputTokens()).isEqualTo(800L);
    assertThat(request.generationConfig().stopSequences()).containsExactly("Title");
    assertThat(request.generationConfig().extra()).containsKey("topK");
    assertThat(request.extra()).containsKey("system_instruction");
  }

  @Test
  void documentedFunctionDeclarationIsRead() {
    GeminiGenerateContentRequest request =
        read("gemini/generate-content-request-tools.json", GeminiGenerateContentRequest.class);

    GeminiTool.FunctionDeclaration declaration =
        request.tools().get(0).functionDeclarations().get(0);
    assertThat(declaration.name()).isEqualTo("schedule_meeting");
    assertThat(declaration.schema().path("required")).hasSize(4);
  }

  @Test
  void errorCarriesCodeStatusAndMessage() {
    GeminiError error = read("gemini/error-api-key-invalid.json", GeminiError.class);

    assertThat(error.error().code()).isEqualTo(400);
    assertThat(error.error().status()).isEqualTo(GeminiError.INVALID_ARGUMENT);
    assertThat(error.error().message()).startsWith("API key not valid");
  }

  @Test
  void errorsForHttpStatusesUseGooglesCanonicalNames() {
    assertThat(GeminiError.of(404, "models/x is not found").error().status())
        .isEqualTo("NOT_FOUND");
    assertThat(GeminiError.statusFor(429)).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(GeminiError.statusFor(401)).isEqualTo("UNAUTHENTICATED");
    assertThat(GeminiError.statusFor(503)).isEqualTo("UNAVAILABLE");
    assertThat(GeminiError.statusFor(500)).isEqualTo("INTERNAL");
  }
}
