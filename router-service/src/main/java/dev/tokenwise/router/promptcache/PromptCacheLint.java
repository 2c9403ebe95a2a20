package dev.tokenwise.router.promptcache;

import dev.tokenwise.router.routing.PromptSignals;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Finds what busts a provider's prefix cache in an OpenAI chat request — a user message ahead of
 * the system prompt, dates, times, UUIDs or counters inside the system prompt, tools whose order or
 * text changed since the route's previous request — and applies the safe fix: system messages
 * first, volatile system lines moved into the latest user turn, so the stable prefix stays
 * byte-exact.
 */
public final class PromptCacheLint {

  /**
   * ISO dates and times, clock times, long weekday/month dates, UUIDs, unix timestamps and request
   * counters ("request #123", "turn 7").
   */
  static final Pattern VOLATILE =
      Pattern.compile(
          "\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?"
              + "|\\b\\d{1,2}:\\d{2}(:\\d{2})?\\s*(am|pm|AM|PM|UTC|GMT)?\\b"
              + "|\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b"
              + "|\\b1[6-9]\\d{8}(\\d{3})?\\b"
              + "|\\b(request|turn|call|message|counter|session)\\s*(#|no\\.?|number)?\\s*\\d+\\b"
              + "|\\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\\s+\\d{1,2}\\s+(Jan|Feb|Mar|Apr|May|Jun|Jul"
              + "|Aug|Sep|Oct|Nov|Dec)[a-z]*\\s+\\d{4}",
          Pattern.CASE_INSENSITIVE);

  private final Map<String, List<String>> lastTools = new ConcurrentHashMap<>();

  /** The findings for one request of {@code route}; remembers the route's tools for the next. */
  public List<LintFinding> lint(String route, JsonNode request) {
    List<LintFinding> findings = new ArrayList<>();
    JsonNode messages = request.path("messages");
    boolean userSeen = false;
    boolean reported = false;
    for (int i = 0; i < messages.size(); i++) {
      String role = messages.get(i).path("role").asString("");
      if (isSystem(role)) {
        if (userSeen && !reported) {
          findings.add(new LintFinding("user-before-system", "messages[" + i + "]"));
          reported = true;
        }
        String text = PromptSignals.text(messages.get(i).path("content"));
        Matcher m = VOLATILE.matcher(text);
        if (m.find()) {
          findings.add(
              new LintFinding("volatile-system", "messages[" + i + "].content[" + m.start() + "]"));
        }
      } else if (!role.isEmpty()) {
        userSeen = true;
      }
    }
    JsonNode tools = request.path("tools");
    if (tools.isArray() && !tools.isEmpty()) {
      List<String> current = new ArrayList<>();
      tools.forEach(t -> current.add(t.toString()));
      List<String> previous = lastTools.put(route, current);
      if (previous != null && !previous.equals(current)) {
        int i = 0;
        while (i < current.size()
            && i < previous.size()
            && current.get(i).equals(previous.get(i))) {
          i++;
        }
        findings.add(new LintFinding("tools-changed", "tools[" + i + "]"));
      }
    }
    return findings;
  }

  /**
   * The safe fix, in place: system and developer messages first (in their order), and lines of them
   * holding dates, times, ids or counters moved to the front of the latest user message.
   *
   * @return true when the request changed
   */
  public static boolean fix(ObjectNode request) {
    JsonNode node = request.path("messages");
    if (!(node instanceof ArrayNode messages) || messages.isEmpty()) {
      return false;
    }
    List<JsonNode> system = new ArrayList<>();
    List<JsonNode> rest = new ArrayList<>();
    List<String> volatileLines = new ArrayList<>();
    for (JsonNode message : messages) {
      if (isSystem(message.path("role").asString("")) && message.path("content").isString()) {
        String text = message.path("content").asString();
        StringBuilder stable = new StringBuilder();
        for (String line : text.split("\n", -1)) {
          if (VOLATILE.matcher(line).find()) {
            volatileLines.add(line.strip());
          } else {
            if (!stable.isEmpty()) {
              stable.append('\n');
            }
            stable.append(line);
          }
        }
        if (stable.length() == text.length()) {
          system.add(message);
        } else {
          ObjectNode copy = ((ObjectNode) message).deepCopy();
          copy.put("content", stable.toString());
          system.add(copy);
        }
      } else if (isSystem(message.path("role").asString(""))) {
        system.add(message);
      } else {
        rest.add(message);
      }
    }
    int lastUser = -1;
    for (int i = rest.size() - 1; i >= 0; i--) {
      if (rest.get(i).path("role").asString("").equals("user")
          && rest.get(i).path("content").isString()) {
        lastUser = i;
        break;
      }
    }
    if (lastUser < 0) {
      volatileLines.clear();
    }
    List<JsonNode> reordered = new ArrayList<>(system);
    reordered.addAll(rest);
    boolean orderChanged = false;
    for (int i = 0; i < reordered.size(); i++) {
      if (reordered.get(i) != messages.get(i)) {
        orderChanged = true;
        break;
      }
    }
    if (!orderChanged && volatileLines.isEmpty()) {
      return false;
    }
    if (!volatileLines.isEmpty()) {
      ObjectNode user = ((ObjectNode) rest.get(lastUser)).deepCopy();
      user.put(
          "content",
          "[" + String.join(" | ", volatileLines) + "]\n\n" + user.path("content").asString());
      reordered.set(system.size() + lastUser, user);
    }
    messages.removeAll();
    reordered.forEach(messages::add);
    return true;
  }

  static boolean isSystem(String role) {
    return role.equals("system") || role.equals("developer");
  }
}
