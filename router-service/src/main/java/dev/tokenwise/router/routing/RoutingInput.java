package dev.tokenwise.router.routing;

/**
 * What the learned classifier saw and decided for one request, kept with its {@link TierChoice} so
 * that the request can become a routing sample.
 *
 * @param embedding the prompt's unit-length sentence embedding
 * @param features the prompt's raw surface features ({@link PromptFeatures})
 * @param routerVersion the routing model's version ({@code shipped} for the bundled model, a file
 *     name for a route's own model file, or a published version such as {@code support-v3})
 * @param explored the tier was drawn at random instead of chosen by the model
 * @param propensity the probability with which the served tier was picked
 */
public record RoutingInput(
    float[] embedding,
    double[] features,
    String routerVersion,
    boolean explored,
    double propensity) {}
