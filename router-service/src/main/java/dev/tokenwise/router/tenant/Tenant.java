package dev.tokenwise.router.tenant;

import java.util.Objects;

/** An authenticated caller: the tenant id usage is billed to and, when configured, its app. */
public record Tenant(String id, String app) {

  public Tenant {
    Objects.requireNonNull(id, "id");
  }
}
