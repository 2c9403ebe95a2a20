/** The Spring Batch job repository in PostgreSQL schema {@code batch}, and its health. */
package dev.tokenwise.batch.jobrepository;
