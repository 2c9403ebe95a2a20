/** Fault injection at named steps, so tests can crash batch work where a kill would. */
package dev.tokenwise.batch.crash;
