/**
 * Output limits and structured outputs: per-route token caps, JSON-schema injection, validation and
 * repair.
 */
package dev.tokenwise.router.outputcap;
