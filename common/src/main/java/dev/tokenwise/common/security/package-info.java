/**
 * Service identity: short-lived tokens, signed with the deployment's shared secret, that every
 * internal call between Tokenwise services carries and every callee verifies, and signatures on the
 * Redis stream entries one service writes for another.
 */
package dev.tokenwise.common.security;
