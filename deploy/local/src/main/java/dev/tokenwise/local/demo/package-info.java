/**
 * The launcher's {@code --demo}: a synthetic workload replayed through the router, then the savings
 * and the five metrics as cost-service reports them.
 */
package dev.tokenwise.local.demo;
