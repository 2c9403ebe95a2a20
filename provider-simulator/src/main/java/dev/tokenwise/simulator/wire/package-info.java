/** Byte-exact HTTP plumbing both simulated providers share: JSON bodies, event streams, resets. */
package dev.tokenwise.simulator.wire;
