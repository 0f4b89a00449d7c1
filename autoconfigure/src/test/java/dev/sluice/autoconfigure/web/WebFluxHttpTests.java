package dev.sluice.autoconfigure.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.bulkhead.Bulkheaded;
import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.ratelimit.RateLimited;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.reactive.context.AnnotationConfigReactiveWebServerApplicationContext;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over HTTP, in a WebFlux application on Reactor Netty: the same problem responses as in
 * Spring MVC for every refusal, whether a plain handler throws it or a handler's
 * {@code Mono} signals it, and the IETF RateLimit fields on 429s and, when asked, on
 * successful responses, for plain and reactive handlers alike.
 */
class WebFluxHttpTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner(
			AnnotationConfigReactiveWebServerApplicationContext::new)
		.withConfiguration(AutoConfigurations.of(NettyReactiveWebServerAutoConfiguration.class,
				HttpHandlerAutoConfiguration.class, WebFluxAutoConfiguration.class, LifecycleAutoConfiguration.class,
				RateLimiterAutoConfiguration.class, BulkheadAutoConfiguration.class, SluiceWebAutoConfiguration.class,
				SluiceWebFluxAutoConfiguration.class))
		.withUserConfiguration(Handlers.class)
		// 2 per 10s: a quota of 2 every 10 seconds; one call at a time in "db"
		.withPropertyValues("server.port=0", "sluice.rate-limiter.instances.api.rate=2",
				"sluice.rate-limiter.instances.api.per=10s", "sluice.bulkhead.instances.db.permits=1");

	private static WebTestClient client(AssertableReactiveWebApplicationContext context) {
		return WebTestClient.bindToServer().baseUrl(base(context)).build();
	}

	private static String base(AssertableReactiveWebApplicationContext context) {
		return "http://localhost:"
				+ ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
	}

	@Test
	void configuresTheReactiveSideOnly() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(SluiceExceptionHandler.class)
			.doesNotHaveBean(RateLimitHeadersAdvice.class)
			.doesNotHaveBean(RateLimitHeadersWebFilter.class));
	}

	@Test
	void a429CarriesRetryAfterRateLimitAndRateLimitPolicy() {
		this.contextRunner.run((context) -> {
			WebTestClient client = client(context);
			for (String symbol : List.of("a", "b")) {
				client.get()
					.uri("/quotes/" + symbol)
					.header("X-Api-Key", "k1")
					.exchange()
					.expectStatus()
					.isOk()
					.expectHeader()
					.doesNotExist("RateLimit");
			}
			client.get()
				.uri("/quotes/c")
				.header("X-Api-Key", "k1")
				.exchange()
				.expectStatus()
				.isEqualTo(429)
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectHeader()
				.valueMatches("Retry-After", "9|10")
				.expectHeader()
				.valueEquals("RateLimit-Policy", "\"api\";q=2;w=10")
				.expectHeader()
				.valueMatches("RateLimit", "\"api\";r=0;t=(9|10)")
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo(SluiceExceptionHandler.PROBLEM_TYPES + "rate-limited")
				.jsonPath("$.title")
				.isEqualTo("Rate limit reached")
				.jsonPath("$.status")
				.isEqualTo(429)
				.jsonPath("$.limiter")
				.isEqualTo("api")
				.jsonPath("$.retryAfterSeconds")
				.value((Integer seconds) -> assertThat(seconds).isBetween(9, 10));
			// another key has its own budget
			client.get().uri("/quotes/c").header("X-Api-Key", "k2").exchange().expectStatus().isOk();
		});
	}

	@Test
	void aRefusalSignalledByAHandlersMonoIsThe429Too() {
		this.contextRunner.run((context) -> {
			WebTestClient client = client(context);
			for (int i = 0; i < 2; i++) {
				client.get().uri("/later/a").header("X-Api-Key", "k1").exchange().expectStatus().isOk();
			}
			client.get()
				.uri("/later/a")
				.header("X-Api-Key", "k1")
				.exchange()
				.expectStatus()
				.isEqualTo(429)
				.expectHeader()
				.valueMatches("Retry-After", "9|10")
				.expectHeader()
				.valueEquals("RateLimit-Policy", "\"api\";q=2;w=10")
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo(SluiceExceptionHandler.PROBLEM_TYPES + "rate-limited");
		});
	}

	@Test
	void offSendsOnlyRetryAfter() {
		this.contextRunner.withPropertyValues("sluice.web.rate-limit-headers=off").run((context) -> {
			WebTestClient client = client(context);
			for (int i = 0; i < 2; i++) {
				client.get().uri("/quotes/a").header("X-Api-Key", "k1").exchange().expectStatus().isOk();
			}
			client.get()
				.uri("/quotes/a")
				.header("X-Api-Key", "k1")
				.exchange()
				.expectStatus()
				.isEqualTo(429)
				.expectHeader()
				.exists("Retry-After")
				.expectHeader()
				.doesNotExist("RateLimit")
				.expectHeader()
				.doesNotExist("RateLimit-Policy");
		});
	}

	@Test
	void withAlwaysSuccessfulResponsesOfGuardedHandlersCarryTheFieldsToo() {
		this.contextRunner.withPropertyValues("sluice.web.rate-limit-headers=always").run((context) -> {
			assertThat(context).hasSingleBean(RateLimitHeadersWebFilter.class);
			WebTestClient client = client(context);
			// a plain handler; a Mono that completes later, on another thread; a guarded
			// Mono that the handler subscribes to later, on another thread
			for (String path : List.of("/quotes/a", "/later/a", "/hop/a")) {
				client.get()
					.uri(path)
					.header("X-Api-Key", "k-" + path)
					.exchange()
					.expectStatus()
					.isOk()
					.expectHeader()
					.valueEquals("RateLimit-Policy", "\"api\";q=2;w=10")
					.expectHeader()
					.valueMatches("RateLimit", "\"api\";r=1;t=(9|10)");
			}
			// a plain handler that runs when the request's body has come
			client.post()
				.uri("/orders")
				.header("X-Api-Key", "k3")
				.bodyValue("one order")
				.exchange()
				.expectStatus()
				.isOk()
				.expectHeader()
				.valueMatches("RateLimit", "\"api\";r=1;t=(9|10)")
				.expectBody(String.class)
				.isEqualTo("one order");
			// the refusal's own fields, not the success's
			client.get().uri("/quotes/b").header("X-Api-Key", "k-/quotes/a").exchange().expectStatus().isOk();
			client.get()
				.uri("/quotes/c")
				.header("X-Api-Key", "k-/quotes/a")
				.exchange()
				.expectStatus()
				.isEqualTo(429)
				.expectHeader()
				.valueMatches("RateLimit", "\"api\";r=0;t=(9|10)");
			// an unguarded handler, on the same threads, tells of no limit
			client.get().uri("/free").exchange().expectStatus().isOk().expectHeader().doesNotExist("RateLimit");
			client.get().uri("/free-later").exchange().expectStatus().isOk().expectHeader().doesNotExist("RateLimit");
		});
	}

	@Test
	void aFullBulkheadIs503ForAPlainAndAReactiveHandler() {
		this.contextRunner.run((context) -> {
			WebTestClient client = client(context);
			Handlers.Gate gate = context.getBean(Handlers.Gate.class);
			// the first call holds the bulkhead's only permit until the gate opens
			CompletableFuture<String> first = WebClient.create(base(context))
				.get()
				.uri("/slow")
				.retrieve()
				.bodyToMono(String.class)
				.toFuture();
			await().atMost(Duration.ofSeconds(10)).until(() -> gate.entered);
			for (String path : List.of("/slow", "/db")) {
				client.get()
					.uri(path)
					.exchange()
					.expectStatus()
					.isEqualTo(503)
					.expectHeader()
					.contentType(MediaType.APPLICATION_PROBLEM_JSON)
					.expectHeader()
					.doesNotExist("Retry-After")
					.expectBody()
					.jsonPath("$.type")
					.isEqualTo(SluiceExceptionHandler.PROBLEM_TYPES + "bulkhead-full")
					.jsonPath("$.title")
					.isEqualTo("Too many concurrent calls")
					.jsonPath("$.bulkhead")
					.isEqualTo("db");
			}
			gate.open.tryEmitValue("done");
			assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("done");
			client.get().uri("/db").exchange().expectStatus().isOk();
		});
	}

	@Test
	void aRefusedPublishIs503WithRetryAfter() {
		this.contextRunner.run((context) -> client(context).get()
			.uri("/publish")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals("Retry-After", "1")
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo(SluiceExceptionHandler.PROBLEM_TYPES + "event-rejected")
			.jsonPath("$.title")
			.isEqualTo("Event not accepted")
			.jsonPath("$.topic")
			.isEqualTo("orders")
			.jsonPath("$.subscribers[0]")
			.isEqualTo("mailer")
			.jsonPath("$.retryAfterSeconds")
			.isEqualTo(1));
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		@Bean
		Gate gate() {
			return new Gate();
		}

		@Bean
		Quotes quotes(Gate gate, Prices prices) {
			return new Quotes(gate, prices);
		}

		@Bean
		Prices prices() {
			return new Prices();
		}

		static class Gate {

			final Sinks.One<String> open = Sinks.one();

			volatile boolean entered;

		}

	}

	static class Prices {

		@RateLimited(value = "api", key = "#apiKey")
		public Mono<String> price(String apiKey, String symbol) {
			return Mono.just(symbol);
		}

	}

	@RestController
	static class Quotes {

		private final Handlers.Gate gate;

		private final Prices prices;

		Quotes(Handlers.Gate gate, Prices prices) {
			this.gate = gate;
			this.prices = prices;
		}

		@GetMapping("/quotes/{symbol}")
		@RateLimited(value = "api", key = "#apiKey")
		public String quote(@RequestHeader("X-Api-Key") String apiKey, @PathVariable String symbol) {
			return symbol;
		}

		@GetMapping("/later/{symbol}")
		@RateLimited(value = "api", key = "#apiKey")
		public Mono<String> later(@RequestHeader("X-Api-Key") String apiKey, @PathVariable String symbol) {
			return Mono.just(symbol).delayElement(Duration.ofMillis(20));
		}

		@GetMapping("/hop/{symbol}")
		public Mono<String> hop(@RequestHeader("X-Api-Key") String apiKey, @PathVariable String symbol) {
			return Mono.delay(Duration.ofMillis(20)).flatMap((tick) -> this.prices.price(apiKey, symbol));
		}

		@PostMapping("/orders")
		@RateLimited(value = "api", key = "#apiKey")
		public String order(@RequestHeader("X-Api-Key") String apiKey, @RequestBody String order) {
			return order;
		}

		@GetMapping("/slow")
		@Bulkheaded("db")
		public Mono<String> slow() {
			return this.gate.open.asMono().doOnSubscribe((subscription) -> this.gate.entered = true);
		}

		@GetMapping("/db")
		@Bulkheaded("db")
		public String db() {
			return "db";
		}

		@GetMapping("/free")
		public String free() {
			return "free";
		}

		@GetMapping("/free-later")
		public Mono<String> freeLater() {
			return Mono.just("free").delayElement(Duration.ofMillis(20));
		}

		@GetMapping("/publish")
		public String publish() {
			throw new EventRejectedException("orders", List.of("mailer"), "mailer's buffer is full");
		}

	}

}
