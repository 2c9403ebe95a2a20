/**
 * Retraining the learned router from routing verdicts: the verdict, the trainer that fits a new
 * {@link dev.tokenwise.router.routing.LinearRouterModel} from them, the held-out check that decides
 * whether it replaces the current one, and the exploration that keeps the verdicts unbiased.
 */
package dev.tokenwise.router.routing.learning;
