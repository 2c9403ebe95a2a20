/**
 * The router's self-training loop: routing samples sent to cost-service, the routing model's
 * versions in Redis, and the periodic job that retrains a learned route on its verdicts.
 */
package dev.tokenwise.router.selftraining;
