package dev.tokenwise.cache.exact;

import dev.tokenwise.cache.namespace.CacheNamespace;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The exact-cache key of a chat request: SHA-256 (hex) of the canonical JSON of the namespace and
 * the request.
 *
 * <p>Canonical means: object keys sorted (by UTF-16 code unit, {@link String#compareTo}) at every
 * depth, array order kept, numbers compared by value ({@code 1}, {@code 1.0} and {@code 1e0} are
 * one number), and the top-level fields that only steer transport, billing or bookkeeping removed,
 * because two requests differing only in those get the same answer from the model. Everything that
 * can change the answer ({@code temperature}, {@code top_p}, {@code seed}, {@code tools}, {@code
 * response_format}, {@code max_tokens}, {@code n}, ...) stays in the key. Messages are read in
 * {@link MessageForms}' one form first (text parts as a string, {@code developer} as {@code
 * system}), so the same question keys alike from every client protocol.
 */
public final class RequestFingerprint {

  /**
   * Top-level request fields that do not change the model's answer (OpenAI Chat Completions API
   * reference): streaming is how the answer travels; {@code user}/{@code safety_identifier} and
   * {@code metadata} label the caller; {@code store} asks OpenAI to keep the completion; {@code
   * service_tier} picks price and latency, not the model; {@code prompt_cache_key} and {@code
   * prompt_cache_retention} steer the provider's own prompt cache.
   */
  public static final Set<String> TRANSPORT_FIELDS =
      Set.of(
          "stream",
          "stream_options",
          "user",
          "safety_identifier",
          "metadata",
          "store",
          "service_tier",
          "prompt_cache_key",
          "prompt_cache_retention");

  private static final JsonMapper WRITER = JsonMapper.builder().build();

  private RequestFingerprint() {}

  /** The hex SHA-256 of the canonical form of {@code request} inside {@code namespace}. */
  static String of(CacheNamespace namespace, JsonNode request) {
    return of(namespace, request, "");
  }

  /**
   * The same, with the route's prompt-template and model versions ({@code versions}, empty when the
   * router sent none) in the key: an answer never crosses a template or model version.
   */
  static String of(CacheNamespace namespace, JsonNode request, String versions) {
    return of(namespace, request, versions, false);
  }

  /**
   * The same; with {@code collapseWhitespace} every string inside {@code messages} (message text,
   * text parts, names) is whitespace-normalised first — runs of whitespace become one space,
   * leading and trailing whitespace is dropped — so that "Hello,\n world " and "Hello, world" are
   * one key. The choice is part of the key: a route that switches it starts a fresh set of keys
   * rather than mixing answers hashed both ways. Off by default, because whitespace can matter (a
   * code block's indentation, a poem's line breaks).
   */
  static String of(
      CacheNamespace namespace, JsonNode request, String versions, boolean collapseWhitespace) {
    MessageDigest sha256 = sha256();
    try (JsonGenerator out =
        WRITER.createGenerator(new DigestOutputStream(OutputStream.nullOutputStream(), sha256))) {
      out.writeStartObject();
      out.writeName("model");
      out.writeString(namespace.model());
      out.writeName("request");
      writeRequest(out, request, collapseWhitespace);
      out.writeName("route");
      out.writeString(namespace.route());
      out.writeName("tenant");
      out.writeString(namespace.tenant());
      if (!versions.isEmpty()) {
        out.writeName("versions");
        out.writeString(versions);
      }
      if (collapseWhitespace) {
        out.writeName("whitespace");
        out.writeString("collapsed");
      }
      out.writeEndObject();
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  /**
   * The hex SHA-256 of the canonical form of {@code node} (sorted keys, numbers by value); the
   * semantic cache hashes a conversation's context with it.
   */
  public static String canonicalSha256(JsonNode node) {
    MessageDigest sha256 = sha256();
    try (JsonGenerator out =
        WRITER.createGenerator(new DigestOutputStream(OutputStream.nullOutputStream(), sha256))) {
      writeCanonical(out, node);
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  /**
   * Writes the request object without its transport fields and without top-level {@code null}s: the
   * API treats an explicit {@code null} parameter as absent. Only the top level is filtered; a
   * {@code metadata} key inside a tool's JSON schema is part of the question.
   */
  private static void writeRequest(
      JsonGenerator out, JsonNode original, boolean collapseWhitespace) {
    JsonNode request = MessageForms.normalized(original);
    out.writeStartObject();
    for (String name : sortedNames(request)) {
      JsonNode value = request.get(name);
      if (TRANSPORT_FIELDS.contains(name) || value.isNull()) {
        continue;
      }
      out.writeName(name);
      writeCanonical(out, value, collapseWhitespace && name.equals("messages"));
    }
    out.writeEndObject();
  }

  private static void writeCanonical(JsonGenerator out, JsonNode node) {
    writeCanonical(out, node, false);
  }

  private static void writeCanonical(JsonGenerator out, JsonNode node, boolean collapse) {
    if (node.isObject()) {
      out.writeStartObject();
      for (String name : sortedNames(node)) {
        out.writeName(name);
        writeCanonical(out, node.get(name), collapse);
      }
      out.writeEndObject();
    } else if (node.isArray()) {
      out.writeStartArray();
      for (JsonNode element : node.values()) {
        writeCanonical(out, element, collapse);
      }
      out.writeEndArray();
    } else if (collapse && node.isString()) {
      out.writeString(collapseWhitespace(node.stringValue()));
    } else if (node.isNumber()) {
      out.writeNumber(canonicalNumber(node.decimalValue()));
    } else if (node.isString()) {
      out.writeString(node.stringValue());
    } else if (node.isBoolean()) {
      out.writeBoolean(node.booleanValue());
    } else {
      out.writeNull();
    }
  }

  /**
   * A number by value: trailing zeros stripped, written as {@code unscaled} or {@code unscaled e
   * exponent}. Never expanded to plain digits, so {@code 1e999999} stays short.
   */
  static String canonicalNumber(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    if (stripped.signum() == 0) {
      return "0";
    }
    String unscaled = stripped.unscaledValue().toString();
    return stripped.scale() == 0 ? unscaled : unscaled + "e" + (-stripped.scale());
  }

  /** Runs of whitespace (Unicode white space included) as one space, the ends stripped. */
  static String collapseWhitespace(String text) {
    StringBuilder collapsed = null;
    boolean pendingSpace = false;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (isSpace(c)) {
        if (collapsed == null
            && c == ' '
            && i > 0
            && i < length - 1
            && !isSpace(text.charAt(i + 1))) {
          // A single plain space between words is already normal; text stays unallocated.
          continue;
        }
        if (collapsed == null) {
          collapsed = new StringBuilder(length).append(text, 0, i);
        }
        pendingSpace = collapsed.length() > 0;
        continue;
      }
      if (collapsed != null) {
        if (pendingSpace) {
          collapsed.append(' ');
          pendingSpace = false;
        }
        collapsed.append(c);
      }
    }
    return collapsed == null ? text : collapsed.toString();
  }

  private static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  private static List<String> sortedNames(JsonNode object) {
    List<String> names = new ArrayList<>(object.size());
    for (Map.Entry<String, JsonNode> property : object.properties()) {
      names.add(property.getKey());
    }
    names.sort(null);
    return names;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
