package dev.tokenwise.batch.intake;

import java.util.Locale;

/** The wire format the client spoke, in which its result is returned. */
public enum ClientFormat {
  OPENAI,
  ANTHROPIC;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  static ClientFormat of(String id) {
    for (ClientFormat f : values()) {
      if (f.id().equals(id)) {
        return f;
      }
    }
    return null;
  }
}
