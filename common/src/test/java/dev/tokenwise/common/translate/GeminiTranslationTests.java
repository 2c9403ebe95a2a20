package dev.tokenwise.common.translate;

import static dev.tokenwise.common.openai.Fixtures.read;
import static dev.tokenwise.common.openai.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.common.gemini.GeminiError;
import dev.tokenwise.common.gemini.GeminiGenerateContentRequest;
import dev.tokenwise.common.gemini.GeminiGenerateContentResponse;
import dev.tokenwise.common.gemini.GeminiPart;
import dev.tokenwise.common.gemini.GeminiUsageMetadata;
import dev.tokenwise.common.openai.Fixtures;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.openai.OpenAiError;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI requests to Gemini, Gemini answers, streams, usage and errors back to OpenAI. */
class GeminiTranslationTests {

  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

  private final GeminiResponseTranslator responses = new GeminiResponseTranslator(CLOCK);

  @Test
  void chatRequestBecomesGenerateContentWithSystemInstructionAndConfig() {
    OpenAiChatRequest request =
        Fixtures.MAPPER.readValue(
            """
            {"model": "gemini-2.5-flash", "max_completion_tokens": 800, "temperature": 1.2,
             "top_p": 0.8, "stop": "Title", "seed": 7,
             "messages": [
               {"role": "system", "content": "You are a cat. Your name is Neko."},
               {"role": "user", "content": "Hello there"}]}
            """,
            OpenAiChatRequest.class);

    GeminiGenerateContentRequest gemini = GeminiRequestTranslator.toGemini(request);

    assertThat(written(gemini))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"systemInstruction": {"parts": [{"text": "You are a cat. Your name is Neko."}]},
                 "contents": [{"role": "user", "parts": [{"text": "Hello there"}]}],
                 "generationConfig": {"maxOutputTokens": 800, "temperature": 1.2, "topP": 0.8,
                   "stopSequences": ["Title"]}}
                """));
  }

  @Test
  void toolConversationBecomesFunctionCallsAndOneTurnOfResults() {
    OpenAiChatRequest request =
        read("openai/chat-request-tools.json", OpenAiChatRequest.class).toBuilder()
            .messages(
                Fixtures.MAPPER
                    .readValue(
                        """
                        {"model": "m", "messages": [
                          {"role": "user", "content": "Weather in Paris and Rome?"},
                          {"role": "assistant", "content": null, "tool_calls": [
                            {"id": "call_1", "type": "function", "function":
                              {"name": "get_current_weather", "arguments": "{\\"location\\":\\"Paris\\"}"}},
                            {"id": "call_2", "type": "function", "function":
                              {"name": "get_current_weather", "arguments": "{\\"location\\":\\"Rome\\"}"}}]},
                          {"role": "tool", "tool_call_id": "call_1", "content": "{\\"celsius\\": 21}"},
                          {"role": "tool", "tool_call_id": "call_2", "content": "sunny"}]}
                        """,
                        OpenAiChatRequest.class)
                    .messages())
            .build();

    GeminiGenerateContentRequest gemini = GeminiRequestTranslator.toGemini(request);

    assertThat(gemini.contents()).hasSize(3);
    assertThat(written(gemini.contents().get(1)))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"role": "model", "parts": [
                  {"functionCall": {"id": "call_1", "name": "get_current_weather", "args": {"location": "Paris"}}},
                  {"functionCall": {"id": "call_2", "name": "get_current_weather", "args": {"location": "Rome"}}}]}
                """));
    assertThat(written(gemini.contents().get(2)))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"role": "user", "parts": [
                  {"functionResponse": {"id": "call_1", "name": "get_current_weather", "response": {"celsius": 21}}},
                  {"functionResponse": {"id": "call_2", "name": "get_current_weather", "response": {"result": "sunny"}}}]}
                """));
    assertThat(gemini.tools().get(0).functionDeclarations().get(0).name())
        .isEqualTo("get_current_weather");
    assertThat(gemini.tools().get(0).functionDeclarations().get(0).parametersJsonSchema())
        .isNotNull();
    assertThat(written(gemini.toolConfig()))
        .isEqualTo(Fixtures.MAPPER.readTree("{\"functionCallingConfig\": {\"mode\": \"AUTO\"}}"));
  }

  @Test
  void jsonSchemaOutputAndImagesTranslate() {
    OpenAiChatRequest request =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "response_format": {"type": "json_schema", "json_schema":
               {"name": "a", "schema": {"type": "object", "properties": {"x": {"type": "string"}}}}},
             "messages": [{"role": "user", "content": [
               {"type": "text", "text": "What is this?"},
               {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]}
            """,
            OpenAiChatRequest.class);

    GeminiGenerateContentRequest gemini = GeminiRequestTranslator.toGemini(request);

    assertThat(gemini.generationConfig().responseMimeType()).isEqualTo("application/json");
    assertThat(gemini.generationConfig().responseJsonSchema().path("type").asString())
        .isEqualTo("object");
    assertThat(gemini.contents().get(0).parts().get(1).inlineData().mimeType())
        .isEqualTo("image/png");
  }

  @Test
  void whatGeminiCannotExpressIsRefusedNamingTheField() {
    OpenAiChatRequest remoteImage =
        Fixtures.MAPPER.readValue(
            """
            {"model": "m", "messages": [{"role": "user", "content": [
               {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]}
            """,
            OpenAiChatRequest.class);

    assertThatThrownBy(() -> GeminiRequestTranslator.toGemini(remoteImage))
        .isInstanceOf(UntranslatableException.class)
        .extracting(e -> ((UntranslatableException) e).field())
        .isEqualTo("messages[0].content[0].image_url.url");
  }

  @Test
  void documentedAnswerBecomesChatCompletionWithThoughtsAsReasoning() {
    GeminiGenerateContentResponse response =
        read("gemini/generate-content-response-text.json", GeminiGenerateContentResponse.class);

    OpenAiChatResponse openAi = responses.toOpenAi(response, "gemini-2.5-flash");

    assertThat(written(openAi))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"id": "chatcmpl--bnnaL2hH5TRz7IP8oXr-Ac", "object": "chat.completion",
                 "created": 1700000000, "model": "gemini-2.5-flash",
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                   "content": "AI learns patterns from data to make predictions or decisions."}}],
                 "usage": {"prompt_tokens": 8, "completion_tokens": 1063, "total_tokens": 1071,
                   "completion_tokens_details": {"reasoning_tokens": 1051}}}
                """));
  }

  @Test
  void functionCallBecomesToolCallAndCachedTokensStayInsidePromptTokens() {
    GeminiGenerateContentResponse response =
        read(
            "gemini/generate-content-response-function-call.json",
            GeminiGenerateContentResponse.class);

    OpenAiChatResponse openAi = responses.toOpenAi(response, "gemini-2.5-flash");

    OpenAiChatResponse.Choice choice = openAi.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo("tool_calls");
    assertThat(choice.message().content()).isNull();
    assertThat(choice.message().toolCalls().get(0).function().name()).isEqualTo("schedule_meeting");
    assertThat(Fixtures.MAPPER.readTree(choice.message().toolCalls().get(0).function().arguments()))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"attendees": ["Bob", "Alice"], "date": "2025-03-14", "time": "10:00",
                 "topic": "Q3 planning"}
                """));
    assertThat(openAi.usage().promptTokens()).isEqualTo(4096L);
    assertThat(openAi.usage().cachedTokens()).isEqualTo(3072L);
    assertThat(openAi.usage().completionTokens()).isEqualTo(40L);
  }

  @Test
  void usageNormalisesWithCachedInsideInputAndThoughtsAsOutput() {
    NormalizedUsage usage =
        NormalizedUsage.from(new GeminiUsageMetadata(4096L, 3072L, 40L, 10L, 100L, 4246L, null));

    assertThat(usage).isEqualTo(new NormalizedUsage(4106, 3072, 0, 0, 140, 100));
    assertThat(usage.uncachedInputTokens()).isEqualTo(1034);
    assertThat(NormalizedUsage.from((GeminiUsageMetadata) null)).isEqualTo(NormalizedUsage.ZERO);
  }

  @Test
  void finishReasonsMapToOpenAis() {
    assertThat(GeminiResponseTranslator.finishReason("MAX_TOKENS", false)).isEqualTo("length");
    assertThat(GeminiResponseTranslator.finishReason("SAFETY", false)).isEqualTo("content_filter");
    assertThat(GeminiResponseTranslator.finishReason("STOP", false)).isEqualTo("stop");
    assertThat(GeminiResponseTranslator.finishReason(null, false)).isNull();
  }

  @Test
  void documentedStreamBecomesChunksEndingWithTheUsageChunk() {
    GeminiToOpenAiStream stream = new GeminiToOpenAiStream(CLOCK, true, "gemini-2.5-flash");
    List<OpenAiChatChunk> chunks = new ArrayList<>();
    for (String data : Fixtures.sseData("gemini/stream-text.txt")) {
      chunks.addAll(
          stream.accept(Fixtures.MAPPER.readValue(data, GeminiGenerateContentResponse.class)));
    }
    chunks.addAll(stream.finish());

    StringBuilder text = new StringBuilder();
    chunks.stream()
        .filter(c -> !c.choices().isEmpty() && c.choices().get(0).delta().content() != null)
        .forEach(c -> text.append(c.choices().get(0).delta().content()));
    assertThat(text)
        .hasToString(
            "Once upon a time, in a small village nestled between rolling hills, lived a cat.");
    assertThat(chunks.get(0).choices().get(0).delta().role()).isEqualTo("assistant");
    assertThat(chunks).allMatch(c -> c.id().equals("chatcmpl-mAitaMqmLpKEz7IPl_mGmQw"));
    OpenAiChatChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage().promptTokens()).isEqualTo(5L);
    assertThat(last.usage().completionTokens()).isEqualTo(1027L);
    assertThat(last.usage().reasoningTokens()).isEqualTo(1010L);
    assertThat(chunks.get(chunks.size() - 2).choices().get(0).finishReason()).isEqualTo("stop");
    assertThat(stream.finishReason()).isEqualTo("stop");
    assertThat(stream.normalizedUsage().outputTokens()).isEqualTo(1027);
  }

  @Test
  void streamWithoutUsageRequestEndsWithoutTheUsageChunk() {
    GeminiToOpenAiStream stream = new GeminiToOpenAiStream(CLOCK, false, "gemini-2.5-flash");
    for (String data : Fixtures.sseData("gemini/stream-text.txt")) {
      stream.accept(Fixtures.MAPPER.readValue(data, GeminiGenerateContentResponse.class));
    }

    assertThat(stream.finish()).isEmpty();
  }

  @Test
  void googleErrorBecomesOpenAiErrorOfTheMatchingType() {
    GeminiError error = read("gemini/error-api-key-invalid.json", GeminiError.class);

    OpenAiError openAi = GeminiResponseTranslator.toOpenAi(error);

    assertThat(openAi.error().type()).isEqualTo(OpenAiError.INVALID_REQUEST);
    assertThat(openAi.error().message())
        .isEqualTo("API key not valid. Please pass a valid API key.");
    assertThat(GeminiResponseTranslator.toOpenAi(GeminiError.of(429, "quota")).error().type())
        .isEqualTo(OpenAiError.RATE_LIMIT);
    assertThat(GeminiResponseTranslator.toOpenAi(GeminiError.of(404, "no")).error().type())
        .isEqualTo(OpenAiError.NOT_FOUND);
    assertThat(GeminiResponseTranslator.toOpenAi(GeminiError.of(503, "busy")).error().type())
        .isEqualTo(OpenAiError.SERVER);
  }

  @Test
  void documentedRequestsBecomeChatCompletionsRequests() {
    GeminiGenerateContentRequest text =
        read("gemini/generate-content-request-tools.json", GeminiGenerateContentRequest.class);

    OpenAiChatRequest openAi = GeminiRequestTranslator.toOpenAi(text, "gpt-5-mini", true);

    assertThat(openAi.model()).isEqualTo("gpt-5-mini");
    assertThat(openAi.messages()).hasSize(1);
    assertThat(openAi.messages().get(0).text()).startsWith("Schedule a meeting with Bob");
    assertThat(openAi.tools().get(0).function().name()).isEqualTo("schedule_meeting");
    assertThat(openAi.tools().get(0).function().parameters().path("required")).hasSize(4);
    assertThat(openAi.wantsStream()).isTrue();
    assertThat(openAi.streamOptions().includeUsage()).isTrue();
  }

  @Test
  void functionCallRoundTripGetsMatchingCallIds() {
    GeminiGenerateContentRequest request =
        Fixtures.MAPPER.readValue(
            """
            {"systemInstruction": {"parts": [{"text": "Be brief."}]},
             "contents": [
               {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
               {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
               {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"celsius": 21}}}]}],
             "generationConfig": {"maxOutputTokens": 50, "stopSequences": ["END"],
               "responseMimeType": "application/json"},
             "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}}
            """,
            GeminiGenerateContentRequest.class);

    OpenAiChatRequest openAi = GeminiRequestTranslator.toOpenAi(request, "gpt-5", false);

    assertThat(openAi.messages())
        .extracting(m -> m.role())
        .containsExactly("system", "user", "assistant", "tool");
    String callId = openAi.messages().get(2).toolCalls().get(0).id();
    assertThat(openAi.messages().get(3).toolCallId()).isEqualTo(callId);
    assertThat(Fixtures.MAPPER.readTree(openAi.messages().get(3).text()).path("celsius").asInt())
        .isEqualTo(21);
    assertThat(openAi.maxCompletionTokens()).isEqualTo(50L);
    assertThat(openAi.stopSequences()).containsExactly("END");
    assertThat(openAi.responseFormat().type()).isEqualTo("json_object");
    assertThat(openAi.toolChoice().at("/function/name").asString()).isEqualTo("get_weather");
    assertThat(openAi.wantsStream()).isFalse();
  }

  @Test
  void chatCompletionBecomesGenerateContentResponseWithThoughtsApart() {
    OpenAiChatResponse completion =
        read("openai/chat-response-tools.json", OpenAiChatResponse.class)
            .withUsage(dev.tokenwise.common.openai.OpenAiUsage.of(100, 60, 0, 30, 10));

    GeminiGenerateContentResponse gemini = responses.toGemini(completion);

    GeminiGenerateContentResponse.Candidate candidate = gemini.candidates().get(0);
    assertThat(candidate.finishReason()).isEqualTo("STOP");
    assertThat(candidate.content().role()).isEqualTo("model");
    assertThat(candidate.content().parts().get(0).functionCall().name())
        .isEqualTo("get_current_weather");
    assertThat(candidate.content().parts().get(0).functionCall().args().isObject()).isTrue();
    assertThat(gemini.usageMetadata()).isEqualTo(GeminiUsageMetadata.of(100, 60, 20, 10));
    assertThat(NormalizedUsage.from(gemini.usageMetadata()))
        .isEqualTo(NormalizedUsage.from(completion.usage()));
  }

  @Test
  void openAiStreamBecomesGeminiChunksWithCallsAndUsageInTheLast() {
    OpenAiToGeminiStream stream = new OpenAiToGeminiStream();
    List<GeminiGenerateContentResponse> chunks = new ArrayList<>();
    for (String data : Fixtures.sseData("openai/chat-stream-with-usage.txt")) {
      chunks.addAll(stream.accept(Fixtures.MAPPER.readValue(data, OpenAiChatChunk.class)));
    }
    chunks.addAll(stream.finish());

    StringBuilder text = new StringBuilder();
    chunks.forEach(c -> text.append(c.candidates().get(0).content().text()));
    assertThat(text.toString()).isNotEmpty();
    GeminiGenerateContentResponse last = chunks.get(chunks.size() - 1);
    assertThat(last.finishReason()).isEqualTo("STOP");
    assertThat(last.usageMetadata().promptTokenCount()).isPositive();
    assertThat(chunks.subList(0, chunks.size() - 1)).allMatch(c -> c.usageMetadata() == null);

    OpenAiToGeminiStream calls = new OpenAiToGeminiStream();
    calls.accept(
        Fixtures.MAPPER.readValue(
            """
            {"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_9",
              "type": "function", "function": {"name": "get_weather", "arguments": "{\\\"ci"}}]}}]}
            """,
            OpenAiChatChunk.class));
    calls.accept(
        Fixtures.MAPPER.readValue(
            """
            {"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0,
              "function": {"arguments": "ty\\\":\\\"Rome\\\"}"}}]}, "finish_reason": "tool_calls"}]}
            """,
            OpenAiChatChunk.class));
    GeminiPart call = calls.finish().get(0).candidates().get(0).content().parts().get(0);
    assertThat(call.functionCall().id()).isEqualTo("call_9");
    assertThat(call.functionCall().args().path("city").asString()).isEqualTo("Rome");
  }
}
