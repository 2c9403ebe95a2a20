/**
 * Command-line tools run from a checkout on the test class path (test code, never in the router's
 * jar): the routing evaluation that also trains the shipped router.
 */
package dev.tokenwise.router.tools;
