package dev.tokenwise.cache.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-style ONNX encoder run directly, so that one pass gives both the pooled sentence vector
 * and the contextual vector of every token (the verifier aligns the tokens of two questions; see
 * {@code TokenAlignment}). langchain4j's encoder keeps the token vectors to itself.
 *
 * <p>Texts longer than {@value #MAX_TOKENS} word pieces (BERT's longest input) are cut.
 *
 * <p>The last {@value #RECENT} encodings are kept by text, so the verifier finds the question a
 * lookup has just embedded, and stored questions asked about often, without running the model
 * again.
 */
public final class TokenEncoder implements AutoCloseable {

  static final int MAX_TOKENS = 512;

  /** How the sentence vector is made from the token vectors. */
  public enum Pooling {
    MEAN,
    CLS
  }

  /**
   * One text encoded.
   *
   * @param sentence the pooled vector, unit length
   * @param tokenIds the tokenizer's ids of the word pieces, special tokens removed
   * @param tokens one unit-length contextual vector per word piece in {@code tokenIds}
   */
  public record Encoded(float[] sentence, long[] tokenIds, float[][] tokens) {}

  private final OrtEnvironment environment;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final Set<String> inputs;
  private final Pooling pooling;
  private final String prefix;
  private final String modelId;

  static final int RECENT = 512;

  private final Map<String, Encoded> recent =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(RECENT * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Encoded> eldest) {
              return size() > RECENT;
            }
          });

  private TokenEncoder(
      byte[] model,
      InputStream tokenizerJson,
      Pooling pooling,
      String prefix,
      String modelId,
      int threads)
      throws OrtException, IOException {
    this.environment = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    if (threads > 0) {
      options.setIntraOpNumThreads(threads);
    }
    this.session = environment.createSession(model, options);
    this.tokenizer =
        HuggingFaceTokenizer.newInstance(
            tokenizerJson, Map.of("padding", "false", "truncation", "false"));
    this.inputs = session.getInputNames();
    this.pooling = pooling;
    this.prefix = prefix;
    this.modelId = modelId;
  }

  /**
   * An encoder from a model and tokenizer on the class path (the langchain4j model jars ship both
   * as resources).
   *
   * @param prefix prepended to every text (e5 models expect {@code "query: "})
   * @param threads ONNX Runtime's intra-op threads, 0 for its default (one per core)
   */
  public static TokenEncoder fromClasspath(
      String modelResource,
      String tokenizerResource,
      Pooling pooling,
      String prefix,
      String modelId,
      int threads) {
    ClassLoader loader = TokenEncoder.class.getClassLoader();
    try (InputStream model = loader.getResourceAsStream(modelResource);
        InputStream tokenizerJson = loader.getResourceAsStream(tokenizerResource)) {
      if (model == null || tokenizerJson == null) {
        throw new IllegalStateException(
            "not on the class path: " + modelResource + " / " + tokenizerResource);
      }
      return new TokenEncoder(
          model.readAllBytes(), tokenizerJson, pooling, prefix, modelId, threads);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot load " + modelResource, e);
    }
  }

  /** Encodes one text, or finds it among the recent encodings. */
  public Encoded encode(String text) {
    Encoded known = recent.get(text);
    if (known != null) {
      return known;
    }
    Encoded encoded = run(text);
    recent.put(text, encoded);
    return encoded;
  }

  /** The word-piece ids of {@code text}, special tokens removed (no inference). */
  public long[] wordPieceIds(String text) {
    Encoding encoding = tokenizer.encode(prefix + text, false, false);
    return encoding.getIds();
  }

  private Encoded run(String text) {
    Encoding encoding = tokenizer.encode(prefix + (text.isBlank() ? " " : text), true, false);
    long[] ids = encoding.getIds();
    long[] mask = encoding.getAttentionMask();
    long[] types = encoding.getTypeIds();
    long[] special = encoding.getSpecialTokenMask();
    int length = Math.min(ids.length, MAX_TOKENS);
    if (length < ids.length) {
      // Keep the final [SEP]: the model was trained with it closing every sequence.
      ids = cut(ids, length);
      mask = cut(mask, length);
      types = cut(types, length);
      special = cut(special, length);
      special[length - 1] = 1;
    }
    long[] shape = {1, length};
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      feed.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
      feed.put(
          "attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
      if (inputs.contains("token_type_ids")) {
        feed.put(
            "token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape));
      }
      try (OrtSession.Result result = session.run(feed)) {
        float[][] hidden = ((float[][][]) result.get(0).getValue())[0];
        return encoded(hidden, ids, special);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX inference failed", e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  private Encoded encoded(float[][] hidden, long[] ids, long[] special) {
    int dimension = hidden[0].length;
    float[] sentence = new float[dimension];
    if (pooling == Pooling.CLS) {
      System.arraycopy(hidden[0], 0, sentence, 0, dimension);
    } else {
      for (float[] token : hidden) {
        for (int d = 0; d < dimension; d++) {
          sentence[d] += token[d];
        }
      }
    }
    EmbeddingSource.normalize(sentence);
    int words = 0;
    for (long s : special) {
      words += s == 0 ? 1 : 0;
    }
    long[] tokenIds = new long[words];
    float[][] tokens = new float[words][];
    int w = 0;
    for (int i = 0; i < hidden.length; i++) {
      if (special[i] == 0) {
        tokenIds[w] = ids[i];
        tokens[w++] = EmbeddingSource.normalize(hidden[i].clone());
      }
    }
    return new Encoded(sentence, tokenIds, tokens);
  }

  private static long[] cut(long[] values, int length) {
    long[] cut = new long[length];
    System.arraycopy(values, 0, cut, 0, length);
    return cut;
  }

  private volatile EmbeddingSource source;

  /** This encoder as an embedding source (sentence vectors; the token vectors stay reachable). */
  public EmbeddingSource asEmbeddingSource() {
    EmbeddingSource view = source;
    if (view != null) {
      return view;
    }
    TokenEncoder encoder = this;
    int dimension = encode("dimension probe").sentence().length;
    view =
        new EmbeddingSource() {
          @Override
          public List<float[]> embed(List<String> texts) {
            return texts.stream().map(text -> encoder.encode(text).sentence()).toList();
          }

          @Override
          public int dimension() {
            return dimension;
          }

          @Override
          public String modelId() {
            return modelId;
          }

          @Override
          public java.util.Optional<TokenEncoder> tokenEncoder() {
            return java.util.Optional.of(encoder);
          }
        };
    source = view;
    return view;
  }

  public String modelId() {
    return modelId;
  }

  @Override
  public void close() throws OrtException {
    session.close();
    tokenizer.close();
  }
}
