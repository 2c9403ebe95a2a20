/** Results delivered to clients' webhooks, signed with HMAC-SHA256 and retried with backoff. */
package dev.tokenwise.batch.delivery;
