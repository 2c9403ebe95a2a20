/**
 * Command-line tools run from a checkout: the routing evaluation that also trains the shipped
 * router.
 */
package dev.tokenwise.router.tools;
