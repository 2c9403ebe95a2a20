/** Service identity and body limits: who may write to cost-service. */
package dev.tokenwise.cost.security;
