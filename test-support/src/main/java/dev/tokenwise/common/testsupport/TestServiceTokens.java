package dev.tokenwise.common.testsupport;

import dev.tokenwise.common.security.ServiceTokens;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Service tokens for tests that call an internal endpoint directly, signed with the secret the
 * module's {@code src/test/resources/config/application.properties} gives the service under test.
 */
public final class TestServiceTokens {

  private static final Pattern TENANT = Pattern.compile("\"tenant\"\\s*:\\s*\"([^\"]*)\"");

  private TestServiceTokens() {}

  /** The test secret ({@code tokenwise.service-auth.secret} of the test configuration). */
  public static String secret() {
    Properties properties = new Properties();
    try (InputStream in =
        TestServiceTokens.class.getResourceAsStream("/config/application.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty(
        "tokenwise.service-auth.secret", "test-only-service-secret-0123456789abcdef");
  }

  /** A token from {@code caller} to {@code audience} acting for {@code tenant}. */
  public static String token(String caller, String audience, String tenant) {
    return new ServiceTokens(secret(), caller, Clock.systemUTC()).mint(audience, tenant);
  }

  /**
   * A token from {@code caller} to {@code audience} for the first {@code "tenant"} in a body (for a
   * body without one, a tenant named {@code no-tenant}, so the endpoint's own validation answers).
   */
  public static String forBody(String caller, String audience, String jsonBody) {
    Matcher matcher = TENANT.matcher(jsonBody);
    return token(caller, audience, matcher.find() ? matcher.group(1) : "no-tenant");
  }
}
