package dev.tokenwise.cache.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class BatchingEmbedderTests {

  @Test
  void concurrentRequestsAreEmbeddedInBatchesAndEachGetsItsOwnVector() {
    RecordingSource source = new RecordingSource(null);
    try (BatchingEmbedder embedder =
        new BatchingEmbedder(source, 16, Duration.ofMillis(50), 64, 1)) {
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        texts.add("text " + i);
      }
      List<float[]> vectors =
          Flux.fromIterable(texts).flatMapSequential(embedder::embed, 40).collectList().block();

      assertThat(vectors).hasSize(40);
      for (int i = 0; i < 40; i++) {
        assertThat(vectors.get(i)[0]).isEqualTo(("text " + i).length());
      }
      assertThat(source.batchSizes).allMatch(size -> size <= 16);
      assertThat(source.batchSizes.size()).isLessThan(40);
    }
  }

  @Test
  void aFullQueueRefusesAtOnce() {
    CountDownLatch release = new CountDownLatch(1);
    RecordingSource source = new RecordingSource(release);
    try (BatchingEmbedder embedder = new BatchingEmbedder(source, 1, Duration.ZERO, 1, 1)) {
      // One text runs (blocked), one waits in the dispatcher, one in the queue: of five, at
      // least two are refused, at once.
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 5; i++) {
        embedder.embed("text " + i).subscribe(vector -> {}, errors::add);
      }
      assertThat(errors).hasSizeGreaterThanOrEqualTo(2);
      assertThat(errors).allMatch(RejectedExecutionException.class::isInstance);
      release.countDown();
    }
  }

  @Test
  void aFailingSourceFailsItsCallers() {
    EmbeddingSource failing =
        new RecordingSource(null) {
          @Override
          public List<float[]> embed(List<String> texts) {
            throw new IllegalStateException("model crashed");
          }
        };
    try (BatchingEmbedder embedder = new BatchingEmbedder(failing, 4, Duration.ZERO, 8, 1)) {
      assertThatThrownBy(() -> embedder.embed("x").block(Duration.ofSeconds(5)))
          .hasMessageContaining("model crashed");
    }
  }

  static class RecordingSource implements EmbeddingSource {
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private final CountDownLatch release;

    RecordingSource(CountDownLatch release) {
      this.release = release;
    }

    @Override
    public List<float[]> embed(List<String> texts) {
      if (release != null) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      batchSizes.add(texts.size());
      List<float[]> vectors = new ArrayList<>();
      for (String text : texts) {
        vectors.add(new float[] {text.length(), 1});
      }
      return vectors;
    }

    @Override
    public int dimension() {
      return 2;
    }

    @Override
    public String modelId() {
      return "recording";
    }
  }
}
