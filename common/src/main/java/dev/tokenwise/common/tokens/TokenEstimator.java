package dev.tokenwise.common.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Estimates token counts with JTokkit, for requests whose usage the provider does not report (a
 * stream cut before its usage chunk, a pre-flight budget check, an output-cap decision).
 *
 * <p>OpenAI models are counted exactly (o200k_base for GPT-4o, GPT-4.1, GPT-5 and the o-series;
 * cl100k_base for GPT-4 and GPT-3.5). Claude and Gemini are approximations documented on {@link
 * Tokenizer}. Unknown models fall back to o200k_base, today's most common vocabulary.
 *
 * <p>Chat prompts follow OpenAI's published recipe ("How to count tokens with tiktoken", OpenAI
 * Cookbook): every message costs its role and content tokens plus {@value #TOKENS_PER_MESSAGE}, a
 * {@code name} adds {@value #TOKENS_PER_NAME}, and the reply is primed with {@value
 * #REPLY_PRIMING_TOKENS} more.
 *
 * <p>Instances hold no state; the encodings are loaded once per JVM, on first use, and are
 * thread-safe.
 */
public final class TokenEstimator {

  /** Per-message framing ({@code <|start|>role<|message|>...<|end|>}) in OpenAI's chat format. */
  public static final int TOKENS_PER_MESSAGE = 3;

  /** Extra token when a message carries a {@code name}. */
  public static final int TOKENS_PER_NAME = 1;

  /** Every reply is primed with {@code <|start|>assistant<|message|>}. */
  public static final int REPLY_PRIMING_TOKENS = 3;

  private static final TokenEstimator SHARED = new TokenEstimator();

  /** A chat message as far as counting goes; {@code name} may be null. */
  public record Message(String role, String content, String name) {
    public Message(String role, String content) {
      this(role, content, null);
    }
  }

  /** The shared instance (all instances behave identically). */
  public static TokenEstimator shared() {
    return SHARED;
  }

  /**
   * Which tokenizer counts text for {@code model}; provider prefixes like {@code openai/} ignored.
   */
  public Tokenizer tokenizerFor(String model) {
    String m = normalise(model);
    // contains(): Bedrock and Vertex ids wrap the family name ("us.anthropic.claude-...").
    if (m.contains("claude")) {
      return Tokenizer.CLAUDE_APPROXIMATION;
    }
    if (m.contains("gemini") || m.contains("gemma")) {
      return Tokenizer.GEMINI_APPROXIMATION;
    }
    if (m.startsWith("gpt-4o")
        || m.startsWith("chatgpt-4o")
        || m.startsWith("gpt-4.1")
        || m.startsWith("gpt-4.5")
        || m.startsWith("gpt-5")
        || m.startsWith("gpt-oss")
        || m.startsWith("o1")
        || m.startsWith("o3")
        || m.startsWith("o4")
        || m.startsWith("codex")) {
      return Tokenizer.O200K_BASE;
    }
    if (m.startsWith("gpt-4")
        || m.startsWith("gpt-3.5")
        || m.startsWith("gpt-35")
        || m.startsWith("text-embedding-3")
        || m.startsWith("text-embedding-ada")) {
      return Tokenizer.CL100K_BASE;
    }
    return Tokenizer.O200K_BASE;
  }

  /**
   * Tokens in {@code text} for {@code model}. Special-token strings such as {@code <|endoftext|>}
   * count as ordinary text, as the providers do for user content. Null or empty text is 0.
   */
  public long countText(String model, String text) {
    if (text == null || text.isEmpty()) {
      return 0;
    }
    Tokenizer tokenizer = tokenizerFor(model);
    return scale(encodingFor(tokenizer).countTokensOrdinary(text), tokenizer);
  }

  /**
   * The token ids of {@code text} in the encoding that counts {@code model} (special-token strings
   * as ordinary text). Exact for OpenAI models; for the approximated families these are the ids of
   * the underlying BPE, unscaled, good for comparing prefixes but not for counting. Null or empty
   * text is an empty array.
   */
  public int[] encode(String model, String text) {
    if (text == null || text.isEmpty()) {
      return new int[0];
    }
    return encodingFor(tokenizerFor(model)).encodeOrdinary(text).toArray();
  }

  /**
   * Estimated prompt tokens of a whole chat request (what the provider would report as input
   * tokens): message contents and roles, per-message framing and the reply priming.
   */
  public long countChat(String model, List<Message> messages) {
    Objects.requireNonNull(messages, "messages");
    Tokenizer tokenizer = tokenizerFor(model);
    Encoding encoding = encodingFor(tokenizer);
    long raw = REPLY_PRIMING_TOKENS;
    for (Message message : messages) {
      raw += TOKENS_PER_MESSAGE;
      raw += countRaw(encoding, message.role());
      raw += countRaw(encoding, message.content());
      if (message.name() != null && !message.name().isEmpty()) {
        raw += TOKENS_PER_NAME + countRaw(encoding, message.name());
      }
    }
    return scale(raw, tokenizer);
  }

  private static long countRaw(Encoding encoding, String text) {
    return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
  }

  private static long scale(long raw, Tokenizer tokenizer) {
    int percent = tokenizer.scalePercent();
    return percent == 100 ? raw : (raw * percent + 99) / 100;
  }

  private static Encoding encodingFor(Tokenizer tokenizer) {
    return switch (tokenizer) {
      case O200K_BASE, GEMINI_APPROXIMATION -> Registry.O200K;
      case CL100K_BASE, CLAUDE_APPROXIMATION -> Registry.CL100K;
    };
  }

  private static String normalise(String model) {
    if (model == null) {
      return "";
    }
    String m = model.trim().toLowerCase(Locale.ROOT);
    int slash = m.lastIndexOf('/');
    return slash >= 0 ? m.substring(slash + 1) : m;
  }

  /** Initialization-on-demand holder: the BPE ranks (a few MB) load once, on first use. */
  private static final class Registry {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
  }
}
