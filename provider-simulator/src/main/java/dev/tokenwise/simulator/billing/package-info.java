/**
 * What the simulator billed: one ledger line per answered request, the providers' admin usage and
 * cost reports built from it, and the discrepancies a test can inject into them.
 */
package dev.tokenwise.simulator.billing;
