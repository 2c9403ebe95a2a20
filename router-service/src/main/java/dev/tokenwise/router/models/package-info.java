/** {@code GET /v1/models}: the route aliases and every configured provider model. */
package dev.tokenwise.router.models;
