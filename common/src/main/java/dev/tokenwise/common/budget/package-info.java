/** The tenant-spend contract between cost-service (writer) and the router's budget check. */
package dev.tokenwise.common.budget;
