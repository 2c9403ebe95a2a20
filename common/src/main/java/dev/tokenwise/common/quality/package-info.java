/** The quality loop's contracts between the router and cost-service: feedback and route advice. */
package dev.tokenwise.common.quality;
