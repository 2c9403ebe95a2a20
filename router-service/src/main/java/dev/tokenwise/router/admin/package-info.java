/** Tokenwise's own admin API: minting virtual keys, behind an admin token. */
package dev.tokenwise.router.admin;
