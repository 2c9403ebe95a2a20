package dev.tokenwise.cache.embedding;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The encoders whose ONNX file and tokenizer come inside a langchain4j model jar on the class path,
 * run through {@link TokenEncoder}. Each is loaded once per JVM (an ONNX Runtime session is
 * thread-safe; several application contexts in one test JVM share it).
 */
public enum BundledModel {
  /** all-MiniLM-L6-v2, quantized: 6 layers, 384 dimensions, mean pooling. */
  MINILM("all-minilm-l6-v2-q", TokenEncoder.Pooling.MEAN, ""),
  /** BAAI bge-small-en-v1.5, quantized: 12 layers, 384 dimensions, CLS pooling. */
  BGE_SMALL("bge-small-en-v1.5-q", TokenEncoder.Pooling.CLS, ""),
  /** intfloat e5-small-v2, quantized: 12 layers, 384 dimensions, mean pooling, "query: " prefix. */
  E5_SMALL("e5-small-v2-q", TokenEncoder.Pooling.MEAN, "query: ");

  private static final Map<BundledModel, TokenEncoder> LOADED = new ConcurrentHashMap<>();

  private final String resource;
  private final TokenEncoder.Pooling pooling;
  private final String prefix;

  BundledModel(String resource, TokenEncoder.Pooling pooling, String prefix) {
    this.resource = resource;
    this.pooling = pooling;
    this.prefix = prefix;
  }

  /** The model's id, stored with every entry (a change of model starts a fresh index). */
  public String modelId() {
    return resource;
  }

  /** The shared encoder, loaded on first use. */
  public TokenEncoder encoder() {
    return LOADED.computeIfAbsent(this, model -> model.load(0));
  }

  /** A fresh encoder with {@code threads} intra-op threads (0: ONNX Runtime's default). */
  public TokenEncoder load(int threads) {
    return TokenEncoder.fromClasspath(
        resource + ".onnx", resource + "-tokenizer.json", pooling, prefix, resource, threads);
  }
}
