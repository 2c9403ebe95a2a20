package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/chat/completions} body. Fields Tokenwise reads or changes are modelled; every
 * other field ({@code logprobs}, {@code seed}, {@code reasoning_effort}, ...) is kept in {@link
 * #extra()} and written back as it came. {@code stop}, {@code tool_choice} and {@code metadata}
 * stay trees because their shape varies (string or array, string or object).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiChatRequest(
    String model,
    List<OpenAiMessage> messages,
    @JsonProperty("max_tokens") Long maxTokens,
    @JsonProperty("max_completion_tokens") Long maxCompletionTokens,
    Boolean stream,
    @JsonProperty("stream_options") OpenAiStreamOptions streamOptions,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    Integer n,
    JsonNode stop,
    List<OpenAiTool> tools,
    @JsonProperty("tool_choice") JsonNode toolChoice,
    @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
    @JsonProperty("response_format") OpenAiResponseFormat responseFormat,
    String user,
    @JsonProperty("prompt_cache_key") String promptCacheKey,
    @JsonProperty("service_tier") String serviceTier,
    JsonNode metadata,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public OpenAiChatRequest {
    messages = messages == null ? null : List.copyOf(messages);
    tools = tools == null ? null : List.copyOf(tools);
    extra = Extras.copy(extra);
  }

  /** A minimal request: model and messages only. */
  public static OpenAiChatRequest of(String model, List<OpenAiMessage> messages) {
    return new OpenAiChatRequest(
        model, messages, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null);
  }

  /** True when the client asked for a server-sent-event stream. */
  public boolean wantsStream() {
    return Boolean.TRUE.equals(stream);
  }

  /**
   * The output cap the client asked for: {@code max_completion_tokens}, else {@code max_tokens}.
   */
  public Long requestedMaxTokens() {
    return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
  }

  /** {@code stop} as a list: a single string becomes one element, absent becomes empty. */
  public List<String> stopSequences() {
    List<String> result = new ArrayList<>();
    if (stop == null || stop.isNull()) {
      return result;
    }
    if (stop.isString()) {
      result.add(stop.asString());
    } else if (stop.isArray()) {
      for (JsonNode element : stop) {
        if (element.isString()) {
          result.add(element.asString());
        }
      }
    }
    return result;
  }

  public OpenAiChatRequest withModel(String newModel) {
    return new Builder(this).model(newModel).build();
  }

  public OpenAiChatRequest withMessages(List<OpenAiMessage> newMessages) {
    return new Builder(this).messages(newMessages).build();
  }

  /** Sets {@code max_completion_tokens} and drops the deprecated {@code max_tokens}. */
  public OpenAiChatRequest withMaxCompletionTokens(Long newMax) {
    return new Builder(this).maxTokens(null).maxCompletionTokens(newMax).build();
  }

  /** Asks for the usage chunk at the end of a stream, keeping other stream options. */
  public OpenAiChatRequest withStreamUsage() {
    OpenAiStreamOptions options =
        streamOptions == null ? OpenAiStreamOptions.withUsage() : streamOptions.withIncludeUsage();
    return new Builder(this).streamOptions(options).build();
  }

  public OpenAiChatRequest withPromptCacheKey(String newKey) {
    return new Builder(this).promptCacheKey(newKey).build();
  }

  public OpenAiChatRequest withResponseFormat(OpenAiResponseFormat newFormat) {
    return new Builder(this).responseFormat(newFormat).build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Copies a request with some fields changed; unmodelled fields are carried over. */
  public static final class Builder {
    private String model;
    private List<OpenAiMessage> messages;
    private Long maxTokens;
    private Long maxCompletionTokens;
    private Boolean stream;
    private OpenAiStreamOptions streamOptions;
    private Double temperature;
    private Double topP;
    private Integer n;
    private JsonNode stop;
    private List<OpenAiTool> tools;
    private JsonNode toolChoice;
    private Boolean parallelToolCalls;
    private OpenAiResponseFormat responseFormat;
    private String user;
    private String promptCacheKey;
    private String serviceTier;
    private JsonNode metadata;
    private Map<String, JsonNode> extra;

    public Builder() {}

    Builder(OpenAiChatRequest r) {
      model = r.model;
      messages = r.messages;
      maxTokens = r.maxTokens;
      maxCompletionTokens = r.maxCompletionTokens;
      stream = r.stream;
      streamOptions = r.streamOptions;
      temperature = r.temperature;
      topP = r.topP;
      n = r.n;
      stop = r.stop;
      tools = r.tools;
      toolChoice = r.toolChoice;
      parallelToolCalls = r.parallelToolCalls;
      responseFormat = r.responseFormat;
      user = r.user;
      promptCacheKey = r.promptCacheKey;
      serviceTier = r.serviceTier;
      metadata = r.metadata;
      extra = r.extra;
    }

    public Builder model(String value) {
      model = value;
      return this;
    }

    public Builder messages(List<OpenAiMessage> value) {
      messages = value;
      return this;
    }

    public Builder maxTokens(Long value) {
      maxTokens = value;
      return this;
    }

    public Builder maxCompletionTokens(Long value) {
      maxCompletionTokens = value;
      return this;
    }

    public Builder stream(Boolean value) {
      stream = value;
      return this;
    }

    public Builder streamOptions(OpenAiStreamOptions value) {
      streamOptions = value;
      return this;
    }

    public Builder temperature(Double value) {
      temperature = value;
      return this;
    }

    public Builder topP(Double value) {
      topP = value;
      return this;
    }

    public Builder n(Integer value) {
      n = value;
      return this;
    }

    public Builder stop(JsonNode value) {
      stop = value;
      return this;
    }

    public Builder tools(List<OpenAiTool> value) {
      tools = value;
      return this;
    }

    public Builder toolChoice(JsonNode value) {
      toolChoice = value;
      return this;
    }

    public Builder parallelToolCalls(Boolean value) {
      parallelToolCalls = value;
      return this;
    }

    public Builder responseFormat(OpenAiResponseFormat value) {
      responseFormat = value;
      return this;
    }

    public Builder user(String value) {
      user = value;
      return this;
    }

    public Builder promptCacheKey(String value) {
      promptCacheKey = value;
      return this;
    }

    public Builder serviceTier(String value) {
      serviceTier = value;
      return this;
    }

    public Builder metadata(JsonNode value) {
      metadata = value;
      return this;
    }

    public Builder extra(Map<String, JsonNode> value) {
      extra = value;
      return this;
    }

    public OpenAiChatRequest build() {
      return new OpenAiChatRequest(
          model,
          messages,
          maxTokens,
          maxCompletionTokens,
          stream,
          streamOptions,
          temperature,
          topP,
          n,
          stop,
          tools,
          toolChoice,
          parallelToolCalls,
          responseFormat,
          user,
          promptCacheKey,
          serviceTier,
          metadata,
          extra);
    }
  }
}
