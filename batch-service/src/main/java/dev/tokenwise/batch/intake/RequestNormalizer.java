package dev.tokenwise.batch.intake;

import dev.tokenwise.batch.provider.Provider;
import dev.tokenwise.common.anthropic.AnthropicMessageRequest;
import dev.tokenwise.common.anthropic.AnthropicMessageRequestParser;
import dev.tokenwise.common.anthropic.AnthropicRequestException;
import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiChatRequestParser;
import dev.tokenwise.common.openai.OpenAiRequestException;
import dev.tokenwise.common.translate.RequestTranslator;
import dev.tokenwise.common.translate.UntranslatableException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates a client's request body in its own format and turns it into the body a provider batch
 * line carries: translated when the provider speaks the other format, the routed model set, and
 * streaming removed (batch lines never stream).
 */
@Component
public class RequestNormalizer {

  private final JsonMapper json;
  private final RequestTranslator translator;

  RequestNormalizer(JsonMapper json, IntakeProperties properties) {
    this.json = json;
    this.translator = new RequestTranslator(properties.defaultMaxTokens());
  }

  /**
   * The provider body, or {@link InvalidDeferredRequest} naming the field ({@code body.<path>}).
   */
  public ObjectNode normalize(JsonNode body, ClientFormat format, Provider provider, String model) {
    JsonNode providerBody;
    try {
      if (format == ClientFormat.OPENAI) {
        OpenAiChatRequestParser.validate(body);
        if (provider == Provider.OPENAI) {
          providerBody = body.deepCopy();
        } else {
          OpenAiChatRequest request = OpenAiChatRequestParser.parse(json, body);
          providerBody = json.valueToTree(translator.toAnthropic(request));
        }
      } else {
        AnthropicMessageRequestParser.validate(body);
        if (provider == Provider.ANTHROPIC) {
          providerBody = body.deepCopy();
        } else {
          AnthropicMessageRequest request = AnthropicMessageRequestParser.parse(json, body);
          providerBody = json.valueToTree(translator.toOpenAi(request));
        }
      }
    } catch (OpenAiRequestException e) {
      throw new InvalidDeferredRequest(field(e.param()), e.getMessage());
    } catch (AnthropicRequestException e) {
      throw new InvalidDeferredRequest(field(e.field()), e.getMessage());
    } catch (UntranslatableException e) {
      throw new InvalidDeferredRequest(field(e.field()), e.getMessage());
    }
    ObjectNode out = (ObjectNode) providerBody;
    out.put("model", model);
    out.remove("stream");
    out.remove("stream_options");
    if (provider == Provider.ANTHROPIC
        && (!out.path("max_tokens").isNumber() || out.path("max_tokens").asLong() < 1)) {
      // A message batch refuses max_tokens 0 (Anthropic Message Batches API reference); a missing
      // cap would be refused too.
      throw new InvalidDeferredRequest("body.max_tokens", "max_tokens must be at least 1");
    }
    return out;
  }

  /**
   * The OpenAI chat request cache-service keys a request on, as the router's synchronous path would
   * send it (the same body with the served model, streaming removed); null for Anthropic-format
   * clients, whose answers cache-service does not hold.
   */
  public String cacheRequest(
      JsonNode body, ClientFormat format, Provider provider, ObjectNode providerBody) {
    if (format != ClientFormat.OPENAI) {
      return null;
    }
    if (provider == Provider.OPENAI) {
      return providerBody.toString();
    }
    ObjectNode request = (ObjectNode) body.deepCopy();
    request.put("model", providerBody.path("model").asString());
    request.remove("stream");
    request.remove("stream_options");
    return request.toString();
  }

  private static String field(String path) {
    return path == null || path.isBlank() ? "body" : "body." + path;
  }
}
