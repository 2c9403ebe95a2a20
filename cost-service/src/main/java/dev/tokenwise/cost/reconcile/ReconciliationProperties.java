package dev.tokenwise.cost.reconcile;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Reconciliation with the providers' admin reports ({@code tokenwise.cost.reconciliation.*}). A
 * provider without an admin key is not reconciled (and the report says so); keys come from a Secret
 * ({@code TOKENWISE_OPENAI_ADMIN_KEY}, {@code TOKENWISE_ANTHROPIC_ADMIN_KEY} in the Helm chart),
 * never from this file.
 *
 * @param tolerance the relative difference in tokens or cost still counted as agreement (0.001 =
 *     ±0.1%)
 * @param cron when the scheduled job reconciles the closed days (UTC)
 * @param closedDays how many closed days back each scheduled run (re)checks: providers report with
 *     a delay of minutes to hours, so yesterday is checked again the day after
 * @param timeout per call to a provider's report API
 */
@ConfigurationProperties("tokenwise.cost.reconciliation")
record ReconciliationProperties(
    @DefaultValue Account openai,
    @DefaultValue Account anthropic,
    @DefaultValue("0.001") BigDecimal tolerance,
    @DefaultValue("0 30 1 * * *") String cron,
    @DefaultValue("2") int closedDays,
    @DefaultValue("30s") Duration timeout) {

  /**
   * One provider's admin API.
   *
   * @param baseUrl the API's origin (the simulator's in tests and demos)
   * @param adminKey {@code sk-admin-…} (OpenAI) or {@code sk-ant-admin…} (Anthropic); none = off
   */
  record Account(URI baseUrl, AdminKey adminKey) {
    Account {
      adminKey = adminKey == null ? new AdminKey(null) : adminKey;
    }

    boolean enabled() {
      return adminKey.present();
    }
  }

  Account account(String provider) {
    return switch (provider) {
      case "openai" -> openai;
      case "anthropic" -> anthropic;
      default -> throw new IllegalArgumentException(provider);
    };
  }

  URI baseUrl(String provider) {
    Account account = account(provider);
    if (account != null && account.baseUrl() != null) {
      return account.baseUrl();
    }
    return URI.create(
        provider.equals("openai") ? "https://api.openai.com" : "https://api.anthropic.com");
  }
}
