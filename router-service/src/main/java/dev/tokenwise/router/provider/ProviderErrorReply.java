package dev.tokenwise.router.provider;

import org.springframework.http.HttpStatusCode;

/**
 * The provider refused a streamed request before any event: its status and body, for the router to
 * pass on to the client.
 */
public class ProviderErrorReply extends RuntimeException {

  private final transient ProviderReply reply;

  public ProviderErrorReply(HttpStatusCode status, byte[] body) {
    this(new ProviderReply(status, body));
  }

  public ProviderErrorReply(ProviderReply reply) {
    super("provider answered " + reply.status().value(), null, false, false);
    this.reply = reply;
  }

  public ProviderReply reply() {
    return reply;
  }
}
