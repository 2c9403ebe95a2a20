package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.embedding.BundledModel;
import dev.tokenwise.cache.embedding.TokenEncoder;
import org.junit.jupiter.api.Test;

class PairVerifierTests {

  private static final TokenEncoder ENCODER = BundledModel.MINILM.encoder();

  @Test
  void aParaphraseScoresAboveAQuestionAboutSomethingElse() {
    PairVerifier verifier = new PairVerifier(ENCODER);
    String stored = "What is the capital of France?";

    double paraphrase = score(verifier, "What's the capital city of France?", stored);
    double otherCountry = score(verifier, "What is the capital of Germany?", stored);

    assertThat(paraphrase).isGreaterThan(otherCountry);
  }

  @Test
  void wordsEveryStoredQuestionHasWeighLessOnceTheNamespaceHasEnoughQuestions() {
    PairVerifier verifier = new PairVerifier(ENCODER);
    String stored = "How do I learn Python quickly?";
    double before = score(verifier, "How do I learn Java quickly?", stored);
    for (int i = 0; i < IdfWeights.MIN_DOCUMENTS; i++) {
      verifier.count("acme:default:m", "How do I learn topic number " + i + " quickly?");
    }

    double after = score(verifier, "How do I learn Java quickly?", stored);

    // "How do I learn … quickly" is in every stored question now: the differing word decides.
    assertThat(after).isLessThan(before);
  }

  @Test
  void idfIsKeptPerNamespace() {
    IdfWeights weights = new IdfWeights();
    assertThat(weights.weight(42)).isEqualTo(1.0);
    PairVerifier verifier = new PairVerifier(ENCODER);
    for (int i = 0; i < IdfWeights.MIN_DOCUMENTS; i++) {
      verifier.count("acme:default:m", "How do I learn topic number " + i + " quickly?");
    }
    String stored = "How do I learn Python quickly?";

    assertThat(verifier.score("globex:default:m", "How do I learn Java quickly?", stored, 0.9))
        .isGreaterThan(
            verifier.score("acme:default:m", "How do I learn Java quickly?", stored, 0.9));
  }

  @Test
  void withoutAnEncoderThereIsNoVerifier() {
    assertThat(new PairVerifier(null).available()).isFalse();
  }

  private static double score(PairVerifier verifier, String query, String stored) {
    double cosine = dot(ENCODER.encode(query).sentence(), ENCODER.encode(stored).sentence());
    return verifier.score("acme:default:m", query, stored, cosine);
  }

  private static double dot(float[] x, float[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }
}
