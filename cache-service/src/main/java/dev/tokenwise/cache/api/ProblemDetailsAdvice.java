package dev.tokenwise.cache.api;

import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;

/**
 * Renders the API's own {@link org.springframework.web.ErrorResponseException}s and WebFlux's input
 * errors (missing body, wrong media type, body over the codec limit) as RFC 9457 problem details.
 */
@RestControllerAdvice(assignableTypes = CacheController.class)
class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {}
