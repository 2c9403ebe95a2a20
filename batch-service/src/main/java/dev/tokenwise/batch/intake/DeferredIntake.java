package dev.tokenwise.batch.intake;

import dev.tokenwise.batch.delivery.OutboundAddresses;
import dev.tokenwise.batch.delivery.WebhookProperties;
import dev.tokenwise.batch.provider.Provider;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks a deferred request from the router field by field and turns it into a {@link NewRequest}.
 */
@Component
public class DeferredIntake {

  private final RequestNormalizer normalizer;
  private final Clock clock;
  private final WebhookProperties webhooks;
  private final OutboundAddresses addresses;

  DeferredIntake(RequestNormalizer normalizer, Clock clock, WebhookProperties webhooks) {
    this.normalizer = normalizer;
    this.clock = clock;
    this.webhooks = webhooks;
    this.addresses = webhooks.addresses();
  }

  /**
   * The request {@code submission} describes, or {@link InvalidDeferredRequest} naming the first
   * bad field.
   */
  public NewRequest read(JsonNode submission) {
    if (submission == null || !submission.isObject()) {
      throw new InvalidDeferredRequest(null, "The body must be a JSON object.");
    }
    String tenant = requiredText(submission, "tenant");
    String route = requiredText(submission, "route");
    String providerName = requiredText(submission, "provider");
    Provider provider = Provider.of(providerName);
    if (provider == null) {
      throw new InvalidDeferredRequest("provider", "provider must be openai or anthropic");
    }
    String model = requiredText(submission, "model");
    String endpoint = optionalText(submission, "endpoint");
    if (endpoint != null && !endpoint.equals(provider.endpoint())) {
      throw new InvalidDeferredRequest(
          "endpoint", "endpoint must be " + provider.endpoint() + " for provider " + provider.id());
    }
    String formatName = optionalText(submission, "clientFormat");
    ClientFormat format =
        formatName == null
            ? ClientFormat.OPENAI
            : ClientFormat.of(formatName.toLowerCase(Locale.ROOT));
    if (format == null) {
      throw new InvalidDeferredRequest("clientFormat", "clientFormat must be openai or anthropic");
    }
    JsonNode body = submission.get("body");
    if (body == null || body.isNull()) {
      throw new InvalidDeferredRequest("body", "body is required");
    }
    if (!body.isObject()) {
      throw new InvalidDeferredRequest("body", "body must be a JSON object");
    }
    String requestedModel = body.path("model").asString(null);
    ObjectNode providerBody = normalizer.normalize(body, format, provider, model);
    Instant deadline = null;
    String deadlineText = optionalText(submission, "deadline");
    if (deadlineText != null) {
      try {
        deadline = Instant.parse(deadlineText);
      } catch (DateTimeParseException e) {
        throw new InvalidDeferredRequest(
            "deadline", "deadline must be an ISO-8601 instant such as 2026-01-01T00:00:00Z");
      }
      if (!deadline.isAfter(clock.instant())) {
        throw new InvalidDeferredRequest("deadline", "deadline must be in the future");
      }
    }
    URI webhook = null;
    String webhookText = optionalText(submission, "webhookUrl");
    if (webhookText != null) {
      try {
        webhook = URI.create(webhookText);
      } catch (IllegalArgumentException e) {
        webhook = null;
      }
      if (webhook == null
          || webhook.getHost() == null
          || !("http".equals(webhook.getScheme()) || "https".equals(webhook.getScheme()))) {
        throw new InvalidDeferredRequest(
            "webhookUrl", "webhookUrl must be an absolute http(s) URL");
      }
      try {
        addresses.resolve(webhook.getHost());
      } catch (OutboundAddresses.RefusedAddressException e) {
        throw new InvalidDeferredRequest("webhookUrl", "webhookUrl is refused: " + e.getMessage());
      } catch (UnknownHostException e) {
        throw new InvalidDeferredRequest(
            "webhookUrl", "webhookUrl's host " + webhook.getHost() + " does not resolve");
      }
    }
    return new NewRequest(
        tenant,
        optionalText(submission, "app"),
        route,
        provider,
        model,
        requestedModel == null ? model : requestedModel,
        format,
        providerBody.toString(),
        deadline,
        webhook,
        optionalText(submission, "requestId"),
        null,
        null,
        normalizer.cacheRequest(body, format, provider, providerBody),
        cachePolicy(submission),
        boundedId(submission, "user"),
        boundedId(submission, "conversation"),
        new Arm(
            boundedId(submission, "experiment"),
            boundedId(submission, "arm"),
            boundedId(submission, "routerVersion")));
  }

  /** An optional attribution id (the router sends 64 hex digits); bounded, as it is stored. */
  private static String boundedId(JsonNode submission, String field) {
    String value = optionalText(submission, field);
    if (value != null && value.length() > 256) {
      throw new InvalidDeferredRequest(field, field + " must be at most 256 characters");
    }
    return value;
  }

  /** The router's cache policy for the route, passed on to cache-service as it came. */
  private static String cachePolicy(JsonNode submission) {
    JsonNode policy = submission.get("cachePolicy");
    if (policy == null || policy.isNull()) {
      return null;
    }
    if (!policy.isObject()) {
      throw new InvalidDeferredRequest("cachePolicy", "cachePolicy must be a JSON object");
    }
    String text = policy.toString();
    if (text.length() > 4096) {
      throw new InvalidDeferredRequest(
          "cachePolicy", "cachePolicy must be at most 4096 characters");
    }
    return text;
  }

  private static String requiredText(JsonNode node, String field) {
    String value = optionalText(node, field);
    if (value == null) {
      throw new InvalidDeferredRequest(field, field + " is required");
    }
    return value;
  }

  private static String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isString()) {
      throw new InvalidDeferredRequest(field, field + " must be a string");
    }
    String text = value.stringValue().strip();
    if (text.isEmpty()) {
      throw new InvalidDeferredRequest(field, field + " must not be empty");
    }
    if (text.length() > 2048) {
      throw new InvalidDeferredRequest(field, field + " must be at most 2048 characters");
    }
    return text;
  }
}
