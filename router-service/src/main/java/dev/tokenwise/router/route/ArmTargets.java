package dev.tokenwise.router.route;

import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ProviderProperties;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The models and providers an experiment arm may name, so a typo stops the route at load rather
 * than failing its share of the traffic: a model is known when the price catalog prices it or a
 * configured upstream lists it; it is served by the OpenAI-compatible server that lists it, else by
 * the provider its name implies ({@link ProviderKind#forModel}), as the provider layer routes it.
 */
@Component
public class ArmTargets {

  private final PriceCatalogs catalogs;
  private final Set<String> listed = new LinkedHashSet<>();
  private final Map<String, String> compatibleByModel = new LinkedHashMap<>();

  @Autowired
  public ArmTargets(PriceCatalogs catalogs, ProviderProperties providers) {
    this.catalogs = catalogs;
    for (ProviderProperties.Upstream upstream :
        new ProviderProperties.Upstream[] {
          providers.openai(), providers.anthropic(), providers.gemini()
        }) {
      if (upstream != null && upstream.models() != null) {
        listed.addAll(upstream.models());
      }
    }
    (providers.compatible() == null
            ? Map.<String, ProviderProperties.Compatible>of()
            : providers.compatible())
        .forEach(
            (name, server) -> {
              listed.addAll(server.models());
              server.models().forEach(model -> compatibleByModel.putIfAbsent(model, name));
            });
  }

  /** The bundled price catalog alone (no configured upstream lists). */
  public static ArmTargets bundled() {
    return new ArmTargets(PriceCatalogs.bundled(), new ProviderProperties(null, null, null, null));
  }

  boolean knows(String model) {
    return listed.contains(model) || catalogs.versions().stream().anyMatch(c -> c.knows(model));
  }

  /** The provider that serves {@code model}: a compatible server's name or the kind's name. */
  String providerOf(String model) {
    return Optional.ofNullable(compatibleByModel.get(model))
        .orElse(ProviderKind.forModel(model).providerName());
  }

  /** The problems of one route's experiment, each naming the route and the member. */
  List<String> problems(String route, RouteProperties.Experiment experiment) {
    List<String> problems = new java.util.ArrayList<>();
    String at = "route '" + route + "': experiment";
    if (experiment.name() == null || experiment.name().isBlank()) {
      problems.add(at + ".name is required");
    }
    if (experiment.arms().size() < 2) {
      problems.add(at + ".arms must list at least two arms");
    }
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < experiment.arms().size(); i++) {
      RouteProperties.Arm arm = experiment.arms().get(i);
      String armAt = at + ".arms[" + i + "]";
      if (arm.name() == null || arm.name().isBlank()) {
        problems.add(armAt + ".name is required");
      } else if (!names.add(arm.name())) {
        problems.add(armAt + ".name '" + arm.name() + "' is used by another arm");
      }
      if (!(arm.weight() > 0) || Double.isInfinite(arm.weight())) {
        problems.add(armAt + ".weight must be a positive number");
      }
      boolean model = arm.model() != null && !arm.model().isBlank();
      if (model == !arm.tiers().isEmpty()) {
        problems.add(armAt + " must set either model or tiers");
      }
      if (model && !knows(arm.model())) {
        problems.add(armAt + ".model '" + arm.model() + "' is not a known model");
      }
      for (String tier : arm.tiers()) {
        if (tier == null || tier.isBlank() || !knows(tier)) {
          problems.add(armAt + ".tiers: '" + tier + "' is not a known model");
        }
      }
      if (arm.provider() != null && !arm.provider().isBlank()) {
        if (!model) {
          problems.add(armAt + ".provider needs a model");
        } else if (!arm.provider().equals(providerOf(arm.model()))) {
          problems.add(
              armAt
                  + ".provider '"
                  + arm.provider()
                  + "' does not serve '"
                  + arm.model()
                  + "' (it is served by '"
                  + providerOf(arm.model())
                  + "')");
        }
      }
    }
    return problems;
  }
}
