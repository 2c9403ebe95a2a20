/**
 * The one-machine launcher: starts embedded Redis and PostgreSQL, the simulator and the services.
 */
package dev.tokenwise.local;
