package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.embedding.BundledModel;
import dev.tokenwise.cache.embedding.TokenEncoder;
import dev.tokenwise.cache.namespace.CacheNamespace;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PromotionsTests {

  private static final TokenEncoder ENCODER = BundledModel.MINILM.encoder();
  private static final CacheNamespace ACME = new CacheNamespace("acme", "default", "gpt-5-mini");
  private static final String CONTEXT = "0123456789abcdef0123456789abcdef";
  private static final String ALIAS = "a".repeat(64);

  private final PairVerifier verifier = new PairVerifier(ENCODER);

  @Test
  void aParaphraseIsConfirmedWhereAQuestionAboutSomethingElseIsNot() {
    String stored = "What is the capital of France?";
    String paraphrase = "What's the capital city of France?";
    String otherCountry = "What is the capital of Germany?";
    double paraphraseScore = score(paraphrase, stored);
    double otherScore = score(otherCountry, stored);
    // A promotion threshold between the two scores: the check decides by it, nothing else.
    double promotionThreshold = (paraphraseScore + otherScore) / 2;

    assertThat(Promotions.confirms(pair(paraphrase, promotionThreshold), entry(stored), verifier))
        .isTrue();
    assertThat(Promotions.confirms(pair(otherCountry, promotionThreshold), entry(stored), verifier))
        .isFalse();
  }

  @Test
  void aStricterPromotionThresholdRejectsWhatALaxerOneConfirms() {
    String stored = "What is the capital of France?";
    String paraphrase = "What's the capital city of France?";
    double paraphraseScore = score(paraphrase, stored);

    assertThat(Promotions.confirms(pair(paraphrase, paraphraseScore), entry(stored), verifier))
        .isTrue();
    assertThat(
            Promotions.confirms(
                pair(paraphrase, Math.min(1, paraphraseScore + 0.01)), entry(stored), verifier))
        .isFalse();
  }

  @Test
  void anEntryOfAnotherContextIsNeverConfirmed() {
    String question = "What is the capital of France?";
    SemanticEntries.Stored otherContext =
        new SemanticEntries.Stored(
            question, "f".repeat(32), new float[0], Instant.EPOCH, "{}".getBytes());

    assertThat(Promotions.confirms(pair(question, 0.01), otherContext, verifier)).isFalse();
  }

  @Test
  void aQueuedPairReadsBackAsItWasQueued() {
    Promotions.Pair pair =
        new Promotions.Pair(
            new CacheNamespace("a:b", "route/1", "gpt-5-mini"),
            ALIAS,
            "Héllo \"world\"?",
            CONTEXT,
            "b".repeat(32),
            0.9412,
            0.975);

    assertThat(Promotions.Pair.fromJson(pair.toJson())).isEqualTo(pair);
  }

  @Test
  void aliasesAndMarkersAreKeyedByNamespaceSoTenantsNeverShareThem() {
    CacheNamespace globex = new CacheNamespace("globex", "default", "gpt-5-mini");

    assertThat(Promotions.aliasKey(ACME, ALIAS)).isNotEqualTo(Promotions.aliasKey(globex, ALIAS));
    assertThat(Promotions.aliasKey(ACME, ALIAS))
        .isEqualTo("tokenwise:cache:alias:acme:default:gpt-5-mini:" + ALIAS);
    assertThat(Promotions.markerKey(ACME, ALIAS))
        .isEqualTo("tokenwise:cache:promotion:acme:default:gpt-5-mini:" + ALIAS);
  }

  private Promotions.Pair pair(String question, double promotionThreshold) {
    return new Promotions.Pair(
        ACME, ALIAS, question, CONTEXT, "b".repeat(32), cosine(question), promotionThreshold);
  }

  private static SemanticEntries.Stored entry(String question) {
    return new SemanticEntries.Stored(
        question, CONTEXT, ENCODER.encode(question).sentence(), Instant.EPOCH, "{}".getBytes());
  }

  private double score(String query, String stored) {
    return verifier.score(ACME.keySegment(), query, stored, cosine(query, stored));
  }

  private static double cosine(String question) {
    return cosine(question, "What is the capital of France?");
  }

  private static double cosine(String a, String b) {
    float[] x = ENCODER.encode(a).sentence();
    float[] y = ENCODER.encode(b).sentence();
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }
}
