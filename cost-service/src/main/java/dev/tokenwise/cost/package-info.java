/** Usage events, pricing, the five metrics and savings attribution. */
package dev.tokenwise.cost;
