/** Deferral: requests handed to batch-service for batch prices, and their jobs read back. */
package dev.tokenwise.router.deferral;
