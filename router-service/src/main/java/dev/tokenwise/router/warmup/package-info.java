/** One-time work the router does before it reports ready, so no request pays for it. */
package dev.tokenwise.router.warmup;
