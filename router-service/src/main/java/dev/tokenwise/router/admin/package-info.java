/**
 * Tokenwise's own admin API: keys, tenant budgets, tenant admin tokens and the audit log, behind
 * admin tokens.
 */
package dev.tokenwise.router.admin;
