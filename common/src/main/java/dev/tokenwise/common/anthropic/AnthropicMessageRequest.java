package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/messages} body. Required: {@code model}, {@code max_tokens}, {@code messages}.
 * Fields Tokenwise does not model ({@code container}, {@code mcp_servers}, ...) are kept in {@link
 * #extra()} and written back as they came.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicMessageRequest(
    String model,
    List<AnthropicMessage> messages,
    @JsonProperty("max_tokens") Long maxTokens,
    AnthropicContent system,
    @JsonProperty("stop_sequences") List<String> stopSequences,
    Boolean stream,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    @JsonProperty("top_k") Integer topK,
    List<AnthropicTool> tools,
    @JsonProperty("tool_choice") AnthropicToolChoice toolChoice,
    JsonNode metadata,
    @JsonProperty("cache_control") AnthropicCacheControl cacheControl,
    JsonNode thinking,
    @JsonProperty("service_tier") String serviceTier,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public AnthropicMessageRequest {
    messages = messages == null ? null : List.copyOf(messages);
    stopSequences = stopSequences == null ? null : List.copyOf(stopSequences);
    tools = tools == null ? null : List.copyOf(tools);
    extra = Extras.copy(extra);
  }

  /** A minimal request: model, output cap and messages. */
  public static AnthropicMessageRequest of(
      String model, long maxTokens, List<AnthropicMessage> messages) {
    return new AnthropicMessageRequest(
        model, messages, maxTokens, null, null, null, null, null, null, null, null, null, null,
        null, null, null);
  }

  /** True when the client asked for a server-sent-event stream. */
  public boolean wantsStream() {
    return Boolean.TRUE.equals(stream);
  }

  public AnthropicMessageRequest withModel(String newModel) {
    return toBuilder().model(newModel).build();
  }

  public AnthropicMessageRequest withMaxTokens(Long newMaxTokens) {
    return toBuilder().maxTokens(newMaxTokens).build();
  }

  public AnthropicMessageRequest withMessages(List<AnthropicMessage> newMessages) {
    return toBuilder().messages(newMessages).build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Copies a request with some fields changed; unmodelled fields are carried over. */
  public static final class Builder {
    private String model;
    private List<AnthropicMessage> messages;
    private Long maxTokens;
    private AnthropicContent system;
    private List<String> stopSequences;
    private Boolean stream;
    private Double temperature;
    private Double topP;
    private Integer topK;
    private List<AnthropicTool> tools;
    private AnthropicToolChoice toolChoice;
    private JsonNode metadata;
    private AnthropicCacheControl cacheControl;
    private JsonNode thinking;
    private String serviceTier;
    private Map<String, JsonNode> extra;

    public Builder() {}

    Builder(AnthropicMessageRequest r) {
      model = r.model;
      messages = r.messages;
      maxTokens = r.maxTokens;
      system = r.system;
      stopSequences = r.stopSequences;
      stream = r.stream;
      temperature = r.temperature;
      topP = r.topP;
      topK = r.topK;
      tools = r.tools;
      toolChoice = r.toolChoice;
      metadata = r.metadata;
      cacheControl = r.cacheControl;
      thinking = r.thinking;
      serviceTier = r.serviceTier;
      extra = r.extra;
    }

    public Builder model(String value) {
      model = value;
      return this;
    }

    public Builder messages(List<AnthropicMessage> value) {
      messages = value;
      return this;
    }

    public Builder maxTokens(Long value) {
      maxTokens = value;
      return this;
    }

    public Builder system(AnthropicContent value) {
      system = value;
      return this;
    }

    public Builder stopSequences(List<String> value) {
      stopSequences = value;
      return this;
    }

    public Builder stream(Boolean value) {
      stream = value;
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

    public Builder topK(Integer value) {
      topK = value;
      return this;
    }

    public Builder tools(List<AnthropicTool> value) {
      tools = value;
      return this;
    }

    public Builder toolChoice(AnthropicToolChoice value) {
      toolChoice = value;
      return this;
    }

    public Builder metadata(JsonNode value) {
      metadata = value;
      return this;
    }

    public Builder cacheControl(AnthropicCacheControl value) {
      cacheControl = value;
      return this;
    }

    public Builder thinking(JsonNode value) {
      thinking = value;
      return this;
    }

    public Builder serviceTier(String value) {
      serviceTier = value;
      return this;
    }

    public Builder extra(Map<String, JsonNode> value) {
      extra = value;
      return this;
    }

    public AnthropicMessageRequest build() {
      return new AnthropicMessageRequest(
          model,
          messages,
          maxTokens,
          system,
          stopSequences,
          stream,
          temperature,
          topP,
          topK,
          tools,
          toolChoice,
          metadata,
          cacheControl,
          thinking,
          serviceTier,
          extra);
    }
  }
}
