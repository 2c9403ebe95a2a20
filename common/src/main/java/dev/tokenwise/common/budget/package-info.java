/** The spend-settlement contract between cost-service (writer) and the router's budgets. */
package dev.tokenwise.common.budget;
