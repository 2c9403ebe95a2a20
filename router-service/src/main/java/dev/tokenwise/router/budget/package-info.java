/** Per-tenant monthly budgets: spend shared through Redis, with in-flight reservations. */
package dev.tokenwise.router.budget;
