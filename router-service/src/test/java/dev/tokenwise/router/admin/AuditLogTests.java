package dev.tokenwise.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuditLogTests {

  /** Pages continue below the last id shown, whatever its sequence number. */
  @Test
  void theCursorOfTheNextPageIsTheGreatestIdBelowTheLastOneShown() {
    assertThat(AuditLog.before("1700000000000-5")).isEqualTo("1700000000000-4");
    assertThat(AuditLog.before("1700000000000-0")).isEqualTo("1699999999999-18446744073709551615");
    assertThat(AuditLog.before("0-0")).isNull();
  }
}
