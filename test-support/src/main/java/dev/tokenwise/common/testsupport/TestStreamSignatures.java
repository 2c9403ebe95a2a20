package dev.tokenwise.common.testsupport;

import dev.tokenwise.common.security.StreamSignatures;
import java.util.Map;

/**
 * Signs Redis stream entries that tests write directly, as the named producer would, with the
 * secret the module's test configuration gives the service under test ({@link
 * TestServiceTokens#secret()}).
 */
public final class TestStreamSignatures {

  private TestStreamSignatures() {}

  /** Signs as {@code producer} with the test secret. */
  public static StreamSignatures as(String producer) {
    return new StreamSignatures(TestServiceTokens.secret(), producer);
  }

  /** {@code fields} signed by {@code producer} for {@code stream}, ready to XADD. */
  public static Map<String, String> sign(
      String producer, String stream, Map<String, String> fields) {
    return as(producer).sign(stream, fields);
  }
}
