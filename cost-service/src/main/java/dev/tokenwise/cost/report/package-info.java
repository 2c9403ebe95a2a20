/** Reports over stored usage: totals, cost and savings for a time window. */
package dev.tokenwise.cost.report;
