package dev.tokenwise.router.usage;

import dev.tokenwise.router.error.OpenAiApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Which conversation and which end user a request belongs to, for cost-service's cost per
 * conversation and per active user. A conversation is, in order: the client's {@value
 * #CONVERSATION_HEADER} header; OpenAI's {@code metadata.conversation_id} (Anthropic's {@code
 * metadata} admits only {@code user_id}, so Messages requests have no body field); else derived
 * from the tenant, the system prompt and the first user message, which every turn of one
 * conversation resends unchanged. Ids leave the router only as tenant-scoped SHA-256 hex, like end
 * users, so an explicit id and a derived one never collide and no client text is stored.
 */
public final class Conversations {

  public static final String CONVERSATION_HEADER = "Tokenwise-Conversation";

  /** The end user when the body names none ({@code user}, {@code safety_identifier}, ...). */
  public static final String USER_HEADER = "Tokenwise-User";

  /** Longest header value accepted; ids are opaque tokens, not text. */
  static final int MAX_HEADER_LENGTH = 128;

  /** OpenAI's limit on a {@code metadata} value. */
  static final int MAX_METADATA_LENGTH = 512;

  private Conversations() {}

  /**
   * The conversation of a Chat Completions request, or null when it names none and has no user
   * message to derive one from.
   *
   * @throws OpenAiApiException 400 for an invalid {@value #CONVERSATION_HEADER} header
   */
  public static String forChat(String tenant, HttpHeaders headers, JsonNode body) {
    String explicit = header(headers, CONVERSATION_HEADER);
    if (explicit == null) {
      JsonNode id = body.path("metadata").path("conversation_id");
      if (id.isString()
          && !id.asString().isBlank()
          && id.asString().length() <= MAX_METADATA_LENGTH) {
        explicit = id.asString();
      }
    }
    if (explicit != null) {
      return hash("explicit", tenant, explicit);
    }
    StringBuilder system = new StringBuilder();
    for (JsonNode message : body.path("messages")) {
      String role = message.path("role").asString("");
      if (role.equals("user")) {
        return hash("derived", tenant, system.toString(), text(message.path("content")));
      }
      if (role.equals("system") || role.equals("developer")) {
        system.append(text(message.path("content"))).append('\n');
      }
    }
    return null;
  }

  /**
   * The conversation of an Anthropic Messages request: the header, else derived from {@code system}
   * and the first user message; null when there is no user message.
   *
   * @throws OpenAiApiException 400 for an invalid {@value #CONVERSATION_HEADER} header
   */
  public static String forMessages(String tenant, HttpHeaders headers, JsonNode body) {
    String explicit = header(headers, CONVERSATION_HEADER);
    if (explicit != null) {
      return hash("explicit", tenant, explicit);
    }
    for (JsonNode message : body.path("messages")) {
      if (message.path("role").asString("").equals("user")) {
        return hash(
            "derived", tenant, text(body.path("system")) + '\n', text(message.path("content")));
      }
    }
    return null;
  }

  /**
   * The end user: the one the body named, else the {@value #USER_HEADER} header, else null. Raw;
   * {@link UsageEvents} hashes it.
   *
   * @throws OpenAiApiException 400 for an invalid {@value #USER_HEADER} header
   */
  public static String endUser(String fromBody, HttpHeaders headers) {
    return fromBody != null ? fromBody : header(headers, USER_HEADER);
  }

  /**
   * A header's value, null when absent; 400 unless it is 1 to {@value #MAX_HEADER_LENGTH} visible
   * ASCII characters, so an id never carries whitespace, control characters or a prompt.
   */
  static String header(HttpHeaders headers, String name) {
    String value = headers.getFirst(name);
    if (value == null) {
      return null;
    }
    String id = value.strip();
    boolean valid = !id.isEmpty() && id.length() <= MAX_HEADER_LENGTH;
    for (int i = 0; valid && i < id.length(); i++) {
      char c = id.charAt(i);
      valid = c > 0x20 && c < 0x7f;
    }
    if (!valid) {
      throw OpenAiApiException.invalidRequest(
          "The "
              + name
              + " header must be 1 to "
              + MAX_HEADER_LENGTH
              + " visible ASCII characters.",
          name,
          "invalid_header");
    }
    return id;
  }

  /**
   * The text of a message's content: a string as is; content parts by their {@code text} (one part
   * reads like the same text as a string), other parts (images, documents) by their JSON without
   * {@code cache_control}, which SDKs move from turn to turn.
   */
  static String text(JsonNode content) {
    if (content.isString()) {
      return content.asString();
    }
    if (!content.isArray()) {
      return content.isMissingNode() || content.isNull() ? "" : content.toString();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (!text.isEmpty()) {
        text.append('\n');
      }
      if (part.path("text").isString()) {
        text.append(part.path("text").asString());
      } else if (part instanceof ObjectNode object) {
        ObjectNode copy = object.deepCopy();
        copy.remove("cache_control");
        text.append(copy);
      } else {
        text.append(part);
      }
    }
    return text.toString();
  }

  private static String hash(String kind, String tenant, String... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(kind.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(tenant.getBytes(StandardCharsets.UTF_8));
      for (String part : parts) {
        digest.update((byte) 0);
        digest.update(part.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
