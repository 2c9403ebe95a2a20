package dev.tokenwise.cache.exact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.namespace.CacheNamespace;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class RequestFingerprintTests {

  private static final CacheNamespace ACME = new CacheNamespace("acme", "default", "gpt-5-mini");

  private static final String BASE =
      """
      {"model":"gpt-5-mini","temperature":0.2,"max_tokens":100,
       "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}
      """;

  @Test
  void isSha256Hex() {
    assertThat(hash(ACME, BASE)).matches("[0-9a-f]{64}");
  }

  @Test
  void keyOrderDoesNotMatterAtAnyDepth() {
    String reordered =
        """
        {"messages":[{"content":"Be brief.","role":"system"},{"content":"Hi","role":"user"}],
         "max_tokens":100,"temperature":0.2,"model":"gpt-5-mini"}
        """;
    assertThat(hash(ACME, reordered)).isEqualTo(hash(ACME, BASE));
  }

  @Test
  void messageOrderMatters() {
    String swapped =
        """
        {"model":"gpt-5-mini","temperature":0.2,"max_tokens":100,
         "messages":[{"role":"user","content":"Hi"},{"role":"system","content":"Be brief."}]}
        """;
    assertThat(hash(ACME, swapped)).isNotEqualTo(hash(ACME, BASE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"100", "100.0", "1e2", "1E+2", "100.000", "1.00e2"})
  void numbersCompareByValue(String maxTokens) {
    assertThat(hash(ACME, BASE.replace("\"max_tokens\":100", "\"max_tokens\":" + maxTokens)))
        .isEqualTo(hash(ACME, BASE));
  }

  @Test
  void temperatureFormsCompareByValue() {
    assertThat(hash(ACME, BASE.replace("0.2", "0.20"))).isEqualTo(hash(ACME, BASE));
    assertThat(hash(ACME, BASE.replace("0.2", "2e-1"))).isEqualTo(hash(ACME, BASE));
  }

  @Test
  void differentTemperatureIsADifferentKey() {
    assertThat(hash(ACME, BASE.replace("0.2", "0.7"))).isNotEqualTo(hash(ACME, BASE));
  }

  @Test
  void answerChangingParametersStayInTheKey() {
    String base = hash(ACME, BASE);
    assertThat(hash(ACME, withField("seed", "7"))).isNotEqualTo(base);
    assertThat(hash(ACME, withField("response_format", "{\"type\":\"json_object\"}")))
        .isNotEqualTo(base);
    assertThat(hash(ACME, withField("tools", "[]"))).isNotEqualTo(base);
    assertThat(hash(ACME, BASE.replace("\"max_tokens\":100", "\"max_tokens\":101")))
        .isNotEqualTo(base);
  }

  @Test
  void transportFieldsAreIgnored() {
    String withTransport =
        BASE.replace(
            "{\"model\"",
            """
            {"stream":true,"stream_options":{"include_usage":true},"user":"u-42",
             "metadata":{"trace":"abc"},"store":true,"service_tier":"flex",
             "safety_identifier":"s-1","prompt_cache_key":"k","model"\
            """);
    assertThat(hash(ACME, withTransport)).isEqualTo(hash(ACME, BASE));
    assertThat(hash(ACME, withField("stream", "false"))).isEqualTo(hash(ACME, BASE));
  }

  @Test
  void transportFieldNamesInsideTheQuestionAreKept() {
    String tool =
        """
        [{"type":"function","function":{"name":"f","parameters":{"type":"object",
          "properties":{"metadata":{"type":"string"}}}}}]
        """;
    String otherTool = tool.replace("metadata", "user");
    assertThat(hash(ACME, withField("tools", tool)))
        .isNotEqualTo(hash(ACME, withField("tools", otherTool)));
  }

  @Test
  void explicitTopLevelNullEqualsAbsent() {
    assertThat(hash(ACME, withField("seed", "null"))).isEqualTo(hash(ACME, BASE));
  }

  @Test
  void tenantsAreIsolated() {
    CacheNamespace globex = new CacheNamespace("globex", "default", "gpt-5-mini");
    assertThat(hash(globex, BASE)).isNotEqualTo(hash(ACME, BASE));
  }

  @Test
  void routeAndModelAreIsolated() {
    assertThat(hash(new CacheNamespace("acme", "support", "gpt-5-mini"), BASE))
        .isNotEqualTo(hash(ACME, BASE));
    assertThat(hash(new CacheNamespace("acme", "default", "gpt-5"), BASE))
        .isNotEqualTo(hash(ACME, BASE));
  }

  @Test
  void componentBoundariesCannotBeShifted() {
    assertThat(hash(new CacheNamespace("a:b", "c", "m"), BASE))
        .isNotEqualTo(hash(new CacheNamespace("a", "b:c", "m"), BASE));
  }

  @Test
  void canonicalNumbersAreShortForHugeExponents() {
    assertThat(RequestFingerprint.canonicalNumber(new BigDecimal("1e999999")))
        .isEqualTo("1e999999");
    assertThat(RequestFingerprint.canonicalNumber(new BigDecimal("-0.0"))).isEqualTo("0");
    assertThat(RequestFingerprint.canonicalNumber(new BigDecimal("0.25"))).isEqualTo("25e-2");
  }

  @Test
  void whitespaceInMessagesCountsOnlyWhenTheRouteDoesNotNormaliseIt() {
    String spaced =
        BASE.replace("\"Be brief.\"", "\"  Be\\n\\tbrief.  \"").replace("\"Hi\"", "\"Hi \"");
    assertThat(hash(ACME, spaced)).isNotEqualTo(hash(ACME, BASE));
    assertThat(collapsedHash(spaced)).isEqualTo(collapsedHash(BASE));
    // Normalised keys are their own set: switching the setting never mixes the two.
    assertThat(collapsedHash(BASE)).isNotEqualTo(hash(ACME, BASE));
    // Words still count, and only message text is normalised.
    assertThat(collapsedHash(BASE.replace("Be brief.", "Bebrief.")))
        .isNotEqualTo(collapsedHash(BASE));
    assertThat(collapsedHash(withField("stop", "[\"a  b\"]")))
        .isNotEqualTo(collapsedHash(withField("stop", "[\"a b\"]")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a b",
        " a b",
        "a b ",
        "a  b",
        "a\tb",
        "a\n\nb",
        "\u00a0a\u2003b\r\n",
        "  a \t b  "
      })
  void whitespaceCollapsesToSingleSpaces(String text) {
    assertThat(RequestFingerprint.collapseWhitespace(text)).isEqualTo("a b");
  }

  @Test
  void alreadyNormalTextIsReturnedAsIs() {
    String normal = "What is the capital of France?";
    assertThat(RequestFingerprint.collapseWhitespace(normal)).isSameAs(normal);
    assertThat(RequestFingerprint.collapseWhitespace("")).isEmpty();
    assertThat(RequestFingerprint.collapseWhitespace("   ")).isEmpty();
  }

  private static String collapsedHash(String requestJson) {
    return RequestFingerprint.of(ACME, ExactEntry.JSON.readTree(requestJson), "", true);
  }

  private static String withField(String name, String json) {
    return BASE.replace("{\"model\"", "{\"" + name + "\":" + json + ",\"model\"");
  }

  @Test
  void textPartsAndDeveloperRoleKeyLikeTheirPlainForms() {
    // The router sends Anthropic Messages and OpenAI Responses requests in this shape.
    String translated =
        """
        {"model":"gpt-5-mini","temperature":0.2,"max_tokens":100,
         "messages":[{"role":"developer","content":[{"type":"text","text":"Be brief.",
           "cache_control":{"type":"ephemeral"}}]},
          {"role":"user","content":[{"type":"text","text":"Hi"}]}]}
        """;
    assertThat(hash(ACME, translated)).isEqualTo(hash(ACME, BASE));
    String image =
        """
        {"model":"gpt-5-mini","temperature":0.2,"max_tokens":100,
         "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[
          {"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}
        """;
    assertThat(hash(ACME, image)).isNotEqualTo(hash(ACME, BASE));
  }

  private static String hash(CacheNamespace namespace, String requestJson) {
    JsonNode request = ExactEntry.JSON.readTree(requestJson);
    return RequestFingerprint.of(namespace, request);
  }
}
