package dev.tokenwise.local.demo;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A conversation sent turn by turn, each turn carrying the whole thread so far, the way many apps
 * build it: the first user message, then a big system prompt stamped with the current time, then
 * the rest. Both habits bust a provider's prefix cache; the router's prompt-cache lint flags them
 * and its safe fix (route {@code chat}) moves the system prompt first and the time into the latest
 * user turn.
 *
 * @param tenant index into the demo tenants
 * @param user the end user, sent as {@code user}
 * @param route the {@code Tokenwise-Route} header
 * @param model the model asked for
 * @param systemPrompt the stable part of the system prompt
 * @param userTurns what the user says, turn by turn
 */
record ChatThread(
    int tenant,
    String user,
    String route,
    String model,
    String systemPrompt,
    List<String> userTurns) {

  ChatThread {
    userTurns = List.copyOf(userTurns);
  }

  /**
   * The request of turn {@code turn} (0-based), given the assistant's answers to the turns before.
   */
  String request(JsonMapper json, int turn, List<String> answers, Instant now) {
    ObjectNode body = json.createObjectNode();
    body.put("model", model);
    body.put("user", user);
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "user").put("content", userTurns.get(0));
    messages
        .addObject()
        .put("role", "system")
        .put("content", systemPrompt + "\nCurrent time: " + now.truncatedTo(ChronoUnit.SECONDS));
    for (int i = 1; i <= turn; i++) {
      messages.addObject().put("role", "assistant").put("content", answers.get(i - 1));
      messages.addObject().put("role", "user").put("content", userTurns.get(i));
    }
    return json.writeValueAsString(body);
  }
}
