package dev.tokenwise.common.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.common.security.StreamSignatures.Outcome;
import dev.tokenwise.common.security.StreamSignatures.Verification;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class StreamSignaturesTests {

  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  private static final String STREAM = "tokenwise:usage-events";
  private static final Set<String> PRODUCERS = Set.of(ServiceTokens.ROUTER, ServiceTokens.BATCH);

  private final StreamSignatures router = new StreamSignatures(SECRET, ServiceTokens.ROUTER);
  private final StreamSignatures cost = new StreamSignatures(SECRET, ServiceTokens.COST);

  private static Map<String, String> fields() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("event", "{\"eventId\":\"e1\",\"tenant\":\"acme\"}");
    fields.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    return fields;
  }

  @Test
  void aSignedEntryVerifiesAndNamesItsProducer() {
    Map<String, String> signed = router.sign(STREAM, fields());

    assertThat(signed)
        .containsEntry(StreamSignatures.PRODUCER, ServiceTokens.ROUTER)
        .containsKey(StreamSignatures.SIGNATURE)
        .containsAllEntriesOf(fields());
    Verification verification = cost.verify(STREAM, signed, PRODUCERS);
    assertThat(verification.valid()).isTrue();
    assertThat(verification.producer()).isEqualTo(ServiceTokens.ROUTER);
    assertThat(verification.reason()).isNull();
  }

  @Test
  void theOrderOfFieldsDoesNotMatter() {
    Map<String, String> reordered = new TreeMap<>(java.util.Comparator.reverseOrder());
    reordered.putAll(router.sign(STREAM, fields()));

    assertThat(cost.verify(STREAM, reordered, PRODUCERS).valid()).isTrue();
  }

  @Test
  void anEntryWithoutSignatureOrProducerIsMissing() {
    Map<String, String> noSig = router.sign(STREAM, fields());
    noSig.remove(StreamSignatures.SIGNATURE);
    Map<String, String> noProducer = router.sign(STREAM, fields());
    noProducer.remove(StreamSignatures.PRODUCER);

    assertThat(cost.verify(STREAM, fields(), PRODUCERS).outcome()).isEqualTo(Outcome.MISSING);
    assertThat(cost.verify(STREAM, noSig, PRODUCERS).reason()).isEqualTo("signature missing");
    assertThat(cost.verify(STREAM, noProducer, PRODUCERS).outcome()).isEqualTo(Outcome.MISSING);
    assertThat(cost.verify(STREAM, null, PRODUCERS).outcome()).isEqualTo(Outcome.MISSING);
  }

  @Test
  void aChangedFieldIsInvalid() {
    Map<String, String> signed = router.sign(STREAM, fields());
    signed.put("event", signed.get("event").replace("acme", "victim"));

    Verification verification = cost.verify(STREAM, signed, PRODUCERS);
    assertThat(verification.outcome()).isEqualTo(Outcome.INVALID);
    assertThat(verification.reason()).isEqualTo("signature invalid");
  }

  @Test
  void anAddedFieldIsInvalid() {
    Map<String, String> signed = router.sign(STREAM, fields());
    signed.put("extra", "");

    assertThat(cost.verify(STREAM, signed, PRODUCERS).outcome()).isEqualTo(Outcome.INVALID);
  }

  @Test
  void aRemovedFieldIsInvalid() {
    Map<String, String> signed = router.sign(STREAM, fields());
    signed.remove("traceparent");

    assertThat(cost.verify(STREAM, signed, PRODUCERS).outcome()).isEqualTo(Outcome.INVALID);
  }

  @Test
  void movingBytesBetweenNamesAndValuesIsInvalid() {
    Map<String, String> signed = router.sign(STREAM, Map.of("ab", "c"));
    Map<String, String> shifted = new LinkedHashMap<>(signed);
    shifted.remove("ab");
    shifted.put("a", "bc");

    assertThat(cost.verify(STREAM, shifted, PRODUCERS).outcome()).isEqualTo(Outcome.INVALID);
  }

  @Test
  void anEntrySignedWithAnotherSecretIsInvalid() {
    Map<String, String> forged =
        new StreamSignatures("another-deployment-secret-of-32-bytes", ServiceTokens.ROUTER)
            .sign(STREAM, fields());

    assertThat(cost.verify(STREAM, forged, PRODUCERS).outcome()).isEqualTo(Outcome.INVALID);
  }

  @Test
  void anEntryCopiedToAnotherStreamIsInvalid() {
    Map<String, String> signed = router.sign("tokenwise:spend-settlements", fields());

    assertThat(cost.verify(STREAM, signed, PRODUCERS).outcome()).isEqualTo(Outcome.INVALID);
  }

  @Test
  void anEntryRelabelledWithAnotherProducerIsInvalid() {
    Map<String, String> signed =
        new StreamSignatures(SECRET, ServiceTokens.CACHE).sign(STREAM, fields());
    signed.put(StreamSignatures.PRODUCER, ServiceTokens.ROUTER);

    assertThat(cost.verify(STREAM, signed, PRODUCERS).outcome()).isEqualTo(Outcome.INVALID);
  }

  @Test
  void aValidSignatureByAProducerTheConsumerDoesNotAcceptIsRefused() {
    Map<String, String> fromCache =
        new StreamSignatures(SECRET, ServiceTokens.CACHE).sign(STREAM, fields());

    Verification verification = cost.verify(STREAM, fromCache, PRODUCERS);
    assertThat(verification.outcome()).isEqualTo(Outcome.PRODUCER_NOT_ALLOWED);
    assertThat(verification.reason()).isEqualTo("producer cache-service not allowed");
  }

  @Test
  void aSignatureThatIsNotBase64IsInvalid() {
    Map<String, String> signed = router.sign(STREAM, fields());
    signed.put(StreamSignatures.SIGNATURE, "not base64!");

    assertThat(cost.verify(STREAM, signed, PRODUCERS).outcome()).isEqualTo(Outcome.INVALID);
  }

  /** A service token's MAC is keyed with the raw secret; a stream signature never is. */
  @Test
  void theKeyIsDerivedForStreamsAlone() throws Exception {
    Map<String, String> signed = router.sign(STREAM, Map.of());
    Mac raw = Mac.getInstance("HmacSHA256");
    raw.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] withSecret = raw.doFinal(new byte[0]);

    assertThat(Base64.getUrlDecoder().decode(signed.get(StreamSignatures.SIGNATURE)))
        .hasSize(32)
        .isNotEqualTo(withSecret);
  }

  @Test
  void fieldsNamedLikeTheSignatureFieldsCannotBeSigned() {
    assertThatThrownBy(() -> router.sign(STREAM, Map.of(StreamSignatures.SIGNATURE, "x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> router.sign(STREAM, Map.of(StreamSignatures.PRODUCER, "x")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aShortSecretOrUnknownServiceIsRefused() {
    assertThatThrownBy(() -> new StreamSignatures("short", ServiceTokens.ROUTER))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StreamSignatures(SECRET, "mallory-service"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void threadsSignAndVerifyConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Callable<Boolean> task =
          () -> {
            for (int i = 0; i < 2_000; i++) {
              Map<String, String> signed = router.sign(STREAM, Map.of("event", "e" + i));
              if (!cost.verify(STREAM, signed, PRODUCERS).valid()) {
                return false;
              }
            }
            return true;
          };
      List<Future<Boolean>> results = pool.invokeAll(List.of(task, task, task, task));
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
