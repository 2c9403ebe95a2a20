/** Contracts and pure functions shared by two or more Tokenwise modules. */
package dev.tokenwise.common;
