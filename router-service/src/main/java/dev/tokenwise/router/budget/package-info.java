/** Per-tenant monthly budgets: worst-case reservations, settled by cost-service's recorded cost. */
package dev.tokenwise.router.budget;
