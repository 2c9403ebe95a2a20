/**
 * Test support giving tests real Redis and PostgreSQL servers: Testcontainers where a Docker engine
 * answers, embedded servers otherwise.
 */
package dev.tokenwise.common.testsupport;
