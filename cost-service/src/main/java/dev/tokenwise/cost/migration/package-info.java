/** Schema migrations: what Flyway needs beyond the SQL files. */
package dev.tokenwise.cost.migration;
