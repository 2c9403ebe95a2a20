package dev.tokenwise.router.promptcache;

import dev.tokenwise.common.tokens.TokenEstimator;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Places Anthropic {@code cache_control} breakpoints in a Messages request: at the end of the
 * tools, the end of the system prompt and the last stable turn boundary (the message before the
 * latest user turn, which the next request of the conversation repeats byte for byte). Never more
 * than four counting the client's own, never where the prefix is shorter than the model's minimum
 * cacheable length, and only where the expected reads pay back the write premium. Breakpoints are
 * placed on the body built for one Anthropic target, so a fallback to another provider never
 * carries them.
 */
public final class AnthropicBreakpoints {

  static final int MAX_BREAKPOINTS = 4;

  private AnthropicBreakpoints() {}

  /**
   * What was placed.
   *
   * @param ttl {@code 5m}, {@code 1h}, or null when nothing was placed
   */
  public record Placed(int added, int clients, String ttl, String reason) {
    public String header() {
      return added == 0 ? "none (" + reason + ")" : "breakpoints=" + added + " ttl=" + ttl;
    }
  }

  /**
   * @param reuse5m requests seen with this route's stable prefix in the last 5 minutes
   * @param reuse1h the same over the last hour
   */
  public static Placed place(
      ObjectNode body,
      String model,
      PromptCacheProperties facts,
      String ttlPolicy,
      double minReuses,
      long reuse5m,
      long reuse1h) {
    int clients = countClientBreakpoints(body);
    int free = MAX_BREAKPOINTS - clients;
    if (free <= 0) {
      return new Placed(0, clients, null, "client breakpoints use all four");
    }
    String prefixTtl = ttl(ttlPolicy, facts, minReuses, reuse5m, reuse1h);
    long minimum = facts.minTokensFor(model);
    TokenEstimator tokens = TokenEstimator.shared();
    List<ObjectNode> targets = new ArrayList<>();
    List<String> ttls = new ArrayList<>();
    long prefix = 0;

    JsonNode tools = body.path("tools");
    if (tools.isArray() && !tools.isEmpty()) {
      prefix += tokens.countText(model, tools.toString());
      if (prefixTtl != null && prefix >= minimum) {
        targets.add((ObjectNode) tools.get(tools.size() - 1));
        ttls.add(prefixTtl);
      }
    }
    ArrayNode system = systemBlocks(body);
    if (system != null && !system.isEmpty()) {
      for (JsonNode block : system) {
        prefix += tokens.countText(model, block.path("text").asString(""));
      }
      if (prefixTtl != null && prefix >= minimum) {
        targets.add((ObjectNode) system.get(system.size() - 1));
        ttls.add(prefixTtl);
      }
    }
    JsonNode messages = body.path("messages");
    int lastUser = -1;
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).path("role").asString("").equals("user")) {
        lastUser = i;
        break;
      }
    }
    // A conversation that has a previous turn will most likely send it again within minutes:
    // the boundary is written at 5m whatever the route's statistics say.
    if (lastUser > 0) {
      for (int i = 0; i < lastUser; i++) {
        prefix += tokens.countText(model, messages.get(i).path("content").toString());
      }
      if (prefix >= minimum) {
        ObjectNode block = lastBlock((ObjectNode) messages.get(lastUser - 1));
        if (block != null) {
          targets.add(block);
          ttls.add("5m");
        }
      }
    }
    // Longer TTLs must come before shorter ones; the turn boundary is always 5m, last.
    int start = Math.max(0, targets.size() - free);
    int added = 0;
    for (int i = start; i < targets.size(); i++) {
      ObjectNode target = targets.get(i);
      if (target.has("cache_control")) {
        continue;
      }
      ObjectNode control = target.putObject("cache_control");
      control.put("type", "ephemeral");
      control.put("ttl", ttls.get(i));
      added++;
    }
    if (added == 0) {
      return new Placed(
          0, clients, null, prefix < minimum ? "below minimum " + minimum : "reuse too low");
    }
    return new Placed(added, clients, ttls.get(start), "placed");
  }

  private interface ControlVisitor {
    void visit(ObjectNode holder, ObjectNode control);
  }

  private static void forEachControl(ObjectNode body, ControlVisitor visitor) {
    List<ObjectNode> holders = new ArrayList<>();
    body.path("tools").forEach(t -> holders.add((ObjectNode) t));
    if (body.path("system").isArray()) {
      body.path("system").forEach(b -> holders.add((ObjectNode) b));
    }
    for (JsonNode message : body.path("messages")) {
      if (message.path("content").isArray()) {
        message.path("content").forEach(b -> holders.add((ObjectNode) b));
      }
    }
    for (ObjectNode holder : holders) {
      if (holder.path("cache_control") instanceof ObjectNode control) {
        visitor.visit(holder, control);
      }
    }
  }

  static int countClientBreakpoints(ObjectNode body) {
    int[] count = {body.path("cache_control").isObject() ? 1 : 0};
    forEachControl(body, (holder, control) -> count[0]++);
    return count[0];
  }

  /**
   * The TTL whose expected reads pay back its write premium: a read saves (1 − read price) of the
   * input price, a write costs (premium − 1) extra; null when neither pays.
   */
  static String ttl(
      String policy, PromptCacheProperties facts, double minReuses, long reuse5m, long reuse1h) {
    if (policy.equals("5m") || policy.equals("1h")) {
      return policy;
    }
    double saving = 1 - facts.readPrice();
    double needed5m = Math.max(minReuses, (facts.writePremium5m() - 1) / saving);
    double needed1h = Math.max(minReuses, (facts.writePremium1h() - 1) / saving);
    if (reuse5m >= needed5m) {
      return "5m";
    }
    if (reuse1h - reuse5m >= needed1h) {
      return "1h";
    }
    return null;
  }

  private static ArrayNode systemBlocks(ObjectNode body) {
    JsonNode system = body.path("system");
    if (system.isString()) {
      ArrayNode blocks = body.arrayNode();
      blocks.addObject().put("type", "text").put("text", system.asString());
      body.set("system", blocks);
      return blocks;
    }
    return system.isArray() ? (ArrayNode) system : null;
  }

  private static ObjectNode lastBlock(ObjectNode message) {
    JsonNode content = message.path("content");
    if (content.isString()) {
      ArrayNode blocks = message.arrayNode();
      blocks.addObject().put("type", "text").put("text", content.asString());
      message.set("content", blocks);
      return (ObjectNode) blocks.get(0);
    }
    if (content.isArray() && !content.isEmpty() && content.get(content.size() - 1).isObject()) {
      return (ObjectNode) content.get(content.size() - 1);
    }
    return null;
  }
}
