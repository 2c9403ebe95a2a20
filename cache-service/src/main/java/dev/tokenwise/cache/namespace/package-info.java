/** Cache namespaces: the tenant, route and model that isolate one set of cached answers. */
package dev.tokenwise.cache.namespace;
