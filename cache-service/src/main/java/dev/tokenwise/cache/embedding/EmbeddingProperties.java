package dev.tokenwise.cache.embedding;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where embeddings come from and how they are batched.
 *
 * @param source {@code bundled} (a model shipped in a jar, {@code bundled-model}, in-process),
 *     {@code onnx} (any ONNX encoder and tokenizer by path, in-process) or {@code openai} (an
 *     OpenAI-compatible {@code /v1/embeddings} endpoint)
 * @param bundledModel which shipped model {@code bundled} runs: {@code minilm}, {@code bge-small}
 *     or {@code e5-small}
 * @param maxBatch most texts embedded in one batch
 * @param maxWait how long the batcher waits for more texts after the first
 * @param queueCapacity texts that may wait; beyond it embedding is refused (the cache misses)
 * @param workers threads that run batches (each batch also uses ONNX Runtime's own threads)
 * @param onnx the {@code onnx} source's files
 * @param openai the {@code openai} source's endpoint
 */
@ConfigurationProperties("tokenwise.cache.embedding")
public record EmbeddingProperties(
    @DefaultValue("bundled") Source source,
    @DefaultValue("minilm") BundledModel bundledModel,
    @DefaultValue("32") int maxBatch,
    @DefaultValue("2ms") Duration maxWait,
    @DefaultValue("1024") int queueCapacity,
    @DefaultValue("1") int workers,
    @DefaultValue Onnx onnx,
    @DefaultValue OpenAi openai) {

  /** The embedding sources. */
  public enum Source {
    BUNDLED,
    ONNX,
    OPENAI
  }

  public EmbeddingProperties {
    if (maxBatch < 1 || queueCapacity < 1 || workers < 1) {
      throw new IllegalArgumentException(
          "tokenwise.cache.embedding max-batch, queue-capacity and workers must be positive");
    }
  }

  /**
   * An ONNX encoder on disk.
   *
   * @param modelPath the {@code .onnx} file
   * @param tokenizerPath its HuggingFace {@code tokenizer.json}
   * @param pooling {@code mean} or {@code cls}
   */
  public record Onnx(Path modelPath, Path tokenizerPath, @DefaultValue("mean") String pooling) {}

  /**
   * An OpenAI-compatible embeddings endpoint. The key is read from the environment variable {@code
   * TOKENWISE_EMBEDDING_API_KEY}, never from a property.
   *
   * @param baseUrl the server, without {@code /v1}
   * @param model the embedding model name
   */
  public record OpenAi(
      @DefaultValue("https://api.openai.com") URI baseUrl,
      @DefaultValue("text-embedding-3-small") String model) {}
}
