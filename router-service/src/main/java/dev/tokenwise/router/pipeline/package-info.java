/**
 * The one request pipeline behind every client protocol: tenant, route plan, response cache,
 * admission, provider call with fallbacks, caps and schema, one usage event — whole and streamed.
 */
package dev.tokenwise.router.pipeline;
