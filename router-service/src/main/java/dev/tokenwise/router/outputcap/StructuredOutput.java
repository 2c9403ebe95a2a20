package dev.tokenwise.router.outputcap;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A route's JSON Schema on the wire and on the answer: injected as OpenAI {@code response_format:
 * json_schema} (translated to forced tool use for Anthropic by the adapters) when the client set no
 * format, and every answer validated (JSON Schema 2020-12); an invalid answer gets one repair
 * request that shows the model its errors.
 */
public final class StructuredOutput {

  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

  private StructuredOutput() {}

  /**
   * Sets {@code response_format} from the route's schema unless the client set one; true if set.
   */
  public static boolean inject(
      ObjectNode request, String schemaJson, String name, JsonMapper json) {
    if (schemaJson == null || schemaJson.isBlank() || request.has("response_format")) {
      return false;
    }
    ObjectNode format = request.putObject("response_format");
    format.put("type", "json_schema");
    ObjectNode spec = format.putObject("json_schema");
    spec.put("name", name);
    spec.set("schema", json.readTree(schemaJson));
    spec.put("strict", true);
    return true;
  }

  /** Compiles (and keeps) a route's schema, so its first validation does not pay for it. */
  public static void compile(String schemaJson) {
    SCHEMAS.computeIfAbsent(schemaJson, REGISTRY::getSchema);
  }

  /** The problems of an OpenAI completion's first answer against the schema; empty when valid. */
  public static List<String> problems(JsonNode completion, String schemaJson, JsonMapper json) {
    JsonNode message = completion.path("choices").path(0).path("message");
    String content = message.path("content").asString("");
    JsonNode toolArgs = message.path("tool_calls").path(0).path("function").path("arguments");
    if (content.isBlank() && toolArgs.isString()) {
      content = toolArgs.asString();
    }
    JsonNode answer;
    try {
      answer = json.readTree(content);
    } catch (JacksonException e) {
      return List.of("the answer is not JSON");
    }
    if (answer == null || answer.isMissingNode()) {
      return List.of("the answer is empty");
    }
    Schema schema = SCHEMAS.computeIfAbsent(schemaJson, REGISTRY::getSchema);
    return schema.validate(answer).stream().map(Error::toString).toList();
  }

  /** The repair request: the original conversation, the invalid answer, and what was wrong. */
  public static ObjectNode repairRequest(
      ObjectNode request, JsonNode completion, List<String> problems) {
    ObjectNode repair = request.deepCopy();
    ArrayNode messages = (ArrayNode) repair.path("messages");
    ObjectNode previous = messages.addObject();
    previous.put("role", "assistant");
    previous.put(
        "content", completion.path("choices").path(0).path("message").path("content").asString(""));
    ObjectNode ask = messages.addObject();
    ask.put("role", "user");
    ask.put(
        "content",
        "Your answer does not match the required JSON schema: "
            + String.join("; ", problems)
            + ". Reply again with only a JSON value that matches the schema.");
    return repair;
  }
}
