package dev.sluice.autoconfigure.web;

import dev.sluice.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * With {@code sluice.web.rate-limit-headers: always}, in a Spring MVC application, adds
 * the {@code RateLimit} and {@code RateLimit-Policy} fields to the response of a handler
 * that a {@code @RateLimited} guard let run, before its body is written.
 */
@ControllerAdvice
public class RateLimitHeadersAdvice implements ResponseBodyAdvice<Object> {

	@Override
	public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
		return true;
	}

	@Override
	public @Nullable Object beforeBodyWrite(@Nullable Object body, MethodParameter returnType,
			MediaType selectedContentType, Class<? extends HttpMessageConverter<?>> selectedConverterType,
			ServerHttpRequest request, ServerHttpResponse response) {
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		if (attributes != null && attributes.getAttribute(GuardedRequests.LIMITER,
				RequestAttributes.SCOPE_REQUEST) instanceof RateLimiter limiter) {
			RateLimitFields.addUnlessPresent(response.getHeaders(), limiter);
		}
		return body;
	}

}
