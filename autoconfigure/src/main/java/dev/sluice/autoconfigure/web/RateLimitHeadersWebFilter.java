package dev.sluice.autoconfigure.web;

import dev.sluice.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * With {@code sluice.web.rate-limit-headers: always}, in a WebFlux application, adds the
 * {@code RateLimit} and {@code RateLimit-Policy} fields to the response of a handler that
 * a {@code @RateLimited} guard let run, just before the response is committed.
 * <p>
 * The limiter is remembered per exchange, never per thread: a handler returning
 * {@code Mono} or {@code Flux} takes its permit when subscribed to, with the exchange
 * found in the subscriber's Reactor context, whichever thread that is; a plain handler
 * runs while the exchange's own signals (its filter chain's subscription, its request
 * body) are delivered, with the exchange made current on that thread for just that long.
 * A guarded plain method that a handler calls on a thread of its own (an executor, a
 * scheduler) is not seen, and its response carries no fields. Ordered last among filters,
 * nearest the handler, so that filters that move the work to other threads come before.
 */
public class RateLimitHeadersWebFilter implements WebFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		RateLimitedExchange limited = new RateLimitedExchange();
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> Mono.fromRunnable(() -> {
			@Nullable RateLimiter limiter = limited.limiter();
			if (limiter != null) {
				RateLimitFields.addUnlessPresent(response.getHeaders(), limiter);
			}
		}));
		ServerWebExchange scoped = exchange.mutate().request(new ScopedRequest(exchange.getRequest(), limited)).build();
		return Mono.fromDirect(new Scoped<>(chain.filter(scoped), limited))
			.contextWrite((context) -> context.put(RateLimitedExchange.class, limited));
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	/** A request whose body's signals are delivered with its exchange current. */
	private static final class ScopedRequest extends ServerHttpRequestDecorator {

		private final RateLimitedExchange limited;

		ScopedRequest(ServerHttpRequest request, RateLimitedExchange limited) {
			super(request);
			this.limited = limited;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return new Scoped<>(super.getBody(), this.limited);
		}

	}

	/**
	 * A publisher subscribed to, and whose signals are delivered, with an exchange
	 * current on the delivering thread.
	 */
	private static final class Scoped<T> extends Flux<T> {

		private final Publisher<T> source;

		private final RateLimitedExchange limited;

		Scoped(Publisher<T> source, RateLimitedExchange limited) {
			this.source = source;
			this.limited = limited;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			try (RateLimitedExchange.Scope scope = this.limited.makeCurrent()) {
				this.source.subscribe(new ScopedSubscriber<>(actual, this.limited));
			}
		}

	}

	private static final class ScopedSubscriber<T> implements CoreSubscriber<T> {

		private final CoreSubscriber<? super T> actual;

		private final RateLimitedExchange limited;

		ScopedSubscriber(CoreSubscriber<? super T> actual, RateLimitedExchange limited) {
			this.actual = actual;
			this.limited = limited;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			try (RateLimitedExchange.Scope scope = this.limited.makeCurrent()) {
				this.actual.onSubscribe(subscription);
			}
		}

		@Override
		public void onNext(T value) {
			try (RateLimitedExchange.Scope scope = this.limited.makeCurrent()) {
				this.actual.onNext(value);
			}
		}

		@Override
		public void onError(Throwable failure) {
			try (RateLimitedExchange.Scope scope = this.limited.makeCurrent()) {
				this.actual.onError(failure);
			}
		}

		@Override
		public void onComplete() {
			try (RateLimitedExchange.Scope scope = this.limited.makeCurrent()) {
				this.actual.onComplete();
			}
		}

	}

}
