/**
 * The quality loop's contracts between the router and cost-service: feedback, route advice, and the
 * routing samples and verdicts the router retrains on.
 */
package dev.tokenwise.common.quality;
