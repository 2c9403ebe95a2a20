/** Injected failures and latency: by configured rates, queued faults, or per request by header. */
package dev.tokenwise.simulator.fault;
