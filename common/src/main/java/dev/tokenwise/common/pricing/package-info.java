/** The versioned price catalog and the cost and savings arithmetic over usage events. */
package dev.tokenwise.common.pricing;
