package dev.tokenwise.common.quality;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * What the router's learned classifier saw when it chose a tier for one request, kept so that the
 * request's verdicts (client feedback, shadow evaluation) can train the next version of the router:
 * cost-service's {@code POST /api/quality/routing-samples}, with the router's service token for
 * {@code tenant}. It never carries the prompt's text unless the route opted in.
 *
 * @param requestId the request's {@code Tokenwise-Request-Id}; its verdicts are matched on it
 * @param routerVersion the version of the routing model that chose (e.g. {@code shipped}, {@code
 *     support-v3})
 * @param servedTier 0 when the cheap tier answered, 1 when the strong one did
 * @param explored the tier was drawn at random (exploration) rather than chosen by the model
 * @param propensity the probability with which the served tier was picked, for inverse-propensity
 *     weighting (1 when exploration is off)
 * @param embedding the prompt's unit-length sentence embedding, as {@link #encode} writes it
 * @param features the prompt's raw surface features, in the model's feature order
 * @param prompt the prompt's text, only for routes that keep prompts; otherwise null
 */
public record RoutingSample(
    String requestId,
    String tenant,
    String route,
    String routerVersion,
    Integer servedTier,
    Boolean explored,
    Double propensity,
    String embedding,
    double[] features,
    String prompt) {

  /** An embedding as base64 of little-endian float32 values: 4 bytes per dimension. */
  public static String encode(float[] embedding) {
    ByteBuffer bytes = ByteBuffer.allocate(embedding.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : embedding) {
      bytes.putFloat(v);
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }

  /** The inverse of {@link #encode}; throws IllegalArgumentException for anything else. */
  public static float[] decode(String embedding) {
    byte[] raw = Base64.getDecoder().decode(embedding);
    if (raw.length % 4 != 0) {
      throw new IllegalArgumentException("an embedding is 4 bytes per dimension");
    }
    ByteBuffer bytes = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[raw.length / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = bytes.getFloat();
      if (!Float.isFinite(out[i])) {
        throw new IllegalArgumentException("embedding dimension " + i + " is not a number");
      }
    }
    return out;
  }
}
