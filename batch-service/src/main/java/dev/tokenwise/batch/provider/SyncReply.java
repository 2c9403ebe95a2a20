package dev.tokenwise.batch.provider;

/** A synchronous provider answer: HTTP status and body. */
public record SyncReply(int status, String body) {

  public boolean ok() {
    return status >= 200 && status < 300;
  }
}
