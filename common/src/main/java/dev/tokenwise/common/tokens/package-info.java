/** Token estimation for requests whose usage the provider has not (yet) reported. */
package dev.tokenwise.common.tokens;
