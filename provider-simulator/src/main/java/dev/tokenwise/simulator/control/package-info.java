/** The simulator's own API under /simulator: request statistics, queued faults and reset. */
package dev.tokenwise.simulator.control;
