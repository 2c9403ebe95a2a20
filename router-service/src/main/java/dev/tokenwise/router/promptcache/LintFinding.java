package dev.tokenwise.router.promptcache;

/**
 * One cache-busting pattern found in a request.
 *
 * @param rule {@code user-before-system}, {@code volatile-system} or {@code tools-changed}
 * @param position the first differing position, as a JSON-path-like pointer into the request
 *     ({@code messages[1]}, {@code messages[0].content[57]}, {@code tools[2]})
 */
public record LintFinding(String rule, String position) {

  @Override
  public String toString() {
    return rule + "@" + position;
  }
}
