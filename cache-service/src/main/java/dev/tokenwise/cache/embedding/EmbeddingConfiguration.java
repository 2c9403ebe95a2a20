package dev.tokenwise.cache.embedding;

import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.util.Locale;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The embedding source chosen by {@code tokenwise.cache.embedding.source}, behind a batcher. */
@Configuration(proxyBeanMethods = false)
class EmbeddingConfiguration {

  @Bean(destroyMethod = "close")
  BatchingEmbedder batchingEmbedder(EmbeddingProperties properties) {
    return new BatchingEmbedder(
        source(properties),
        properties.maxBatch(),
        properties.maxWait(),
        properties.queueCapacity(),
        properties.workers());
  }

  private static EmbeddingSource source(EmbeddingProperties properties) {
    return switch (properties.source()) {
      case BUNDLED -> properties.bundledModel().encoder().asEmbeddingSource();
      case ONNX -> {
        EmbeddingProperties.Onnx onnx = properties.onnx();
        if (onnx.modelPath() == null || onnx.tokenizerPath() == null) {
          throw new IllegalArgumentException(
              "tokenwise.cache.embedding.onnx.model-path and tokenizer-path are required"
                  + " with source=onnx");
        }
        yield OnnxEmbeddingSource.fromFiles(
            onnx.modelPath(),
            onnx.tokenizerPath(),
            PoolingMode.valueOf(onnx.pooling().toUpperCase(Locale.ROOT)));
      }
      case OPENAI ->
          OpenAiEmbeddingSource.create(
              properties.openai().baseUrl(),
              properties.openai().model(),
              new OpenAiEmbeddingSource.ApiKey(System.getenv("TOKENWISE_EMBEDDING_API_KEY")));
    };
  }
}
