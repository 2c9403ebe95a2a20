package dev.tokenwise.router.provider;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The named OpenAI-compatible servers ({@code tokenwise.router.providers.compatible.<name>}: vLLM,
 * Ollama, an Azure OpenAI deployment...), each serving the models it lists. A model listed by one
 * of them is served there instead of by the {@code openai} upstream; they speak Chat Completions,
 * so requests and answers pass as they are.
 */
public final class CompatibleProviders {

  private final Map<String, OpenAiProviderClient> byModel = new LinkedHashMap<>();
  private final Map<String, List<String>> modelsByProvider = new LinkedHashMap<>();

  /** No compatible server. */
  public static CompatibleProviders none() {
    return new CompatibleProviders();
  }

  /**
   * Adds a server; a model listed twice stays with the first server that lists it.
   *
   * @throws IllegalArgumentException when the server lists no model (it could never be used)
   */
  public CompatibleProviders add(String name, OpenAiProviderClient client, List<String> models) {
    if (models == null || models.isEmpty()) {
      throw new IllegalArgumentException(
          "tokenwise.router.providers.compatible." + name + ".models must name at least one model");
    }
    models.forEach(model -> byModel.putIfAbsent(model, client));
    modelsByProvider.put(name, List.copyOf(models));
    return this;
  }

  /** The client of the server that lists {@code model}, if one does. */
  public Optional<OpenAiProviderClient> forModel(String model) {
    return Optional.ofNullable(byModel.get(model));
  }

  /** Each server's name and its models, in configuration order. */
  public Map<String, List<String>> models() {
    return Collections.unmodifiableMap(modelsByProvider);
  }
}
