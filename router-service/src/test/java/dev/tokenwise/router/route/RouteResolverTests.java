package dev.tokenwise.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.Tenant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class RouteResolverTests {

  private static RouteProperties.Definition route(RouteProperties.Match match, List<String> tiers) {
    RouteProperties.Definition d = RouteResolver.defaults();
    return new RouteProperties.Definition(
        match,
        tiers,
        null,
        d.classifier(),
        null,
        d.output(),
        null,
        "answer",
        RouteProperties.Cache.defaults(),
        d.promptCache(),
        RouteProperties.Mode.SYNC,
        0,
        0.02);
  }

  private final RouteResolver resolver;

  RouteResolverTests() {
    Map<String, RouteProperties.Definition> routes = new LinkedHashMap<>();
    routes.put(
        "auto",
        route(
            new RouteProperties.Match(null, null, List.of(Route.AUTO, Route.FAST)),
            List.of("gpt-5-mini", "gpt-5")));
    routes.put(
        "support",
        route(
            new RouteProperties.Match(List.of("acme"), List.of("helpdesk"), null),
            List.of("gpt-5-nano", "gpt-5")));
    resolver =
        new RouteResolver(
            new RouteProperties(routes),
            new ChatProperties(
                DataSize.ofMegabytes(4), new ChatProperties.DefaultRoute("default", "gpt-5-mini")));
  }

  @Test
  void theHeaderWinsThenTheModelAliasThenTenantOrAppThenTheDefault() {
    Tenant acme = new Tenant("acme", null);
    assertThat(resolver.resolve(acme, "auto", "gpt-4o").name()).isEqualTo("auto");
    assertThat(resolver.resolve(acme, null, Route.AUTO).matchedBy()).isEqualTo("model");
    assertThat(resolver.resolve(acme, null, "gpt-4o").name()).isEqualTo("support");
    assertThat(resolver.resolve(new Tenant("globex", "helpdesk"), null, "gpt-4o").matchedBy())
        .isEqualTo("app");
    Route fallback = resolver.resolve(new Tenant("globex", null), null, "gpt-4o");
    assertThat(fallback.name()).isEqualTo("default");
    assertThat(fallback.tiers()).isEmpty();
    assertThat(fallback.referenceModel("gpt-4o")).isEqualTo("gpt-4o");
  }

  @Test
  void anAliasIsMeasuredAgainstTheStrongestTier() {
    Route auto = resolver.resolve(new Tenant("x", null), null, Route.AUTO);
    assertThat(auto.referenceModel(Route.AUTO)).isEqualTo("gpt-5");
    assertThat(auto.referenceModel("gpt-4.1")).isEqualTo("gpt-4.1");
  }

  @Test
  void anUnknownRouteInTheHeaderIsABadRequestNamingTheHeader() {
    assertThatThrownBy(() -> resolver.resolve(new Tenant("x", null), "nope", "gpt-5"))
        .isInstanceOfSatisfying(
            OpenAiApiException.class, e -> assertThat(e.param()).isEqualTo("Tokenwise-Route"));
  }
}
