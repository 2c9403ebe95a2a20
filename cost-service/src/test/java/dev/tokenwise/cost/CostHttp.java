package dev.tokenwise.cost;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * HTTP to the cost-service a test started on {@code port}: reads with the report token the tests'
 * configuration sets, writes as the router (a service token for the body's tenants).
 */
final class CostHttp {

  /** The report credential of the tests' configuration ({@code tokenwise.cost.report-token}). */
  static final String READER = "Bearer test-only-report-token";

  /** The admin credential of the tests' configuration ({@code tokenwise.cost.admin-token}). */
  static final String ADMIN = "Bearer test-only-admin-token";

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final int port;

  CostHttp(int port) {
    this.port = port;
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).header("Authorization", READER).GET().build());
  }

  /** A POST signed as the router. */
  HttpResponse<String> post(String path, String body) {
    return send(routerPost(path, body).build());
  }

  /** A POST signed as the router, with the admin token too (the admin API needs both). */
  HttpResponse<String> postAsAdmin(String path, String body) {
    return send(routerPost(path, body).header("Authorization", ADMIN).build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  private HttpRequest.Builder routerPost(String path, String body) {
    return HttpRequest.newBuilder(uri(path))
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.forBody(ServiceTokens.ROUTER, ServiceTokens.COST, body))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }
}
