package dev.tokenwise.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;

/** A rendered chart as fabric8 Kubernetes model objects. */
record Manifests(List<HasMetadata> objects) {

  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "v1/ConfigMap", ConfigMap.class,
          "v1/Service", Service.class,
          "apps/v1/Deployment", Deployment.class,
          "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
          "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
          "networking.k8s.io/v1/Ingress", Ingress.class,
          "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class);

  /** Every document of a multi-document YAML stream; kinds the chart does not know stay generic. */
  static Manifests parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = Deploy.YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isNull() || doc.isEmpty()) {
          continue;
        }
        String key = doc.path("apiVersion").asString() + "/" + doc.path("kind").asString();
        Class<? extends HasMetadata> type =
            KINDS.getOrDefault(key, GenericKubernetesResource.class);
        objects.add(Deploy.JSON.treeToValue(doc, type));
      }
    }
    return new Manifests(List.copyOf(objects));
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  List<GenericKubernetesResource> generic(String kind) {
    return all(GenericKubernetesResource.class).stream()
        .filter(r -> kind.equals(r.getKind()))
        .toList();
  }

  <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
    return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return named(type, name)
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
  }
}
