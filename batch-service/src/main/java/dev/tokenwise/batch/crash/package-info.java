/**
 * The named steps of batch work after which a crash is worth proving harmless, and the hook batch
 * work calls at each (a no-op in the service; tests crash or halt the work through it).
 */
package dev.tokenwise.batch.crash;
