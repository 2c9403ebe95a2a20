package dev.tokenwise.router.admin;

import dev.tokenwise.router.error.OpenAiApiException;
import org.springframework.http.HttpStatus;

/**
 * The credential an admin call was made with.
 *
 * @param id a non-secret name for the audit log: {@code super-admin} or the tenant admin token's id
 * @param tenant the only tenant the credential may act on, or null for the super admin
 */
record Admin(String id, String tenant) {

  static final Admin SUPER = new Admin("super-admin", null);

  boolean isSuper() {
    return tenant == null;
  }

  /** Refuses (403) acting on another tenant than the credential's own. */
  void mayActOn(String target) {
    if (tenant != null && !tenant.equals(target)) {
      throw forbidden(
          "This admin token may only act on tenant '" + tenant + "', not '" + target + "'.");
    }
  }

  /** Refuses (403) a call only the super admin may make. */
  void mustBeSuper(String what) {
    if (tenant != null) {
      throw forbidden("Only the super admin may " + what + ".");
    }
  }

  static OpenAiApiException forbidden(String message) {
    return new OpenAiApiException(
        HttpStatus.FORBIDDEN, message, "permission_error", null, "admin_forbidden");
  }
}
