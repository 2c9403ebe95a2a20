/** Cluster-wide locks in PostgreSQL (ShedLock), so one replica at a time runs a job. */
package dev.tokenwise.batch.lock;
