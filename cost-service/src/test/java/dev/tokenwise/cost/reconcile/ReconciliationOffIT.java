package dev.tokenwise.cost.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.RealServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Without admin keys reconciliation is off, and both the report and a run say so. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class ReconciliationOffIT {

  @LocalServerPort int port;
  @Autowired JsonMapper json;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void withoutAdminKeysReconciliationIsOffAndSaysSo() throws Exception {
    HttpResponse<String> run =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/api/reconciliation/runs"))
                .header("Authorization", "Bearer test-only-admin-token")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(run.statusCode()).isEqualTo(409);
    JsonNode problem = json.readTree(run.body());
    assertThat(problem.path("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/reconciliation-off");
    assertThat(problem.path("detail").asString()).contains("no admin key");

    JsonNode report =
        json.readTree(
            http.send(
                    HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port + "/api/reconciliation"))
                        .header("Authorization", "Bearer test-only-report-token")
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    for (String provider : new String[] {"openai", "anthropic"}) {
      assertThat(report.path("providers").path(provider).path("enabled").asBoolean()).isFalse();
      assertThat(report.path("providers").path(provider).path("reason").asString())
          .contains("no admin key");
    }
  }
}
