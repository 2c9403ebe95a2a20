/** Tenants and the virtual keys that identify them, stored only as SHA-256 hashes. */
package dev.tokenwise.router.tenant;
