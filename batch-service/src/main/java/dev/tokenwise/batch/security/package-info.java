/** Service identity: the internal callers batch-service accepts. */
package dev.tokenwise.batch.security;
