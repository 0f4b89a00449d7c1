package dev.sluice.autoconfigure.web;

import java.util.List;

import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.ratelimit.RateLimited;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Over HTTP, in a Spring MVC application: the IETF RateLimit fields on 429s and, when
 * asked, on successful responses; the 503 of a refused publish.
 */
class RateLimitFieldsHttpTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, RateLimiterAutoConfiguration.class,
				SluiceWebAutoConfiguration.class))
		.withUserConfiguration(Mvc.class)
		// 2 per 10s: a quota of 2 every 10 seconds
		.withPropertyValues("sluice.rate-limiter.instances.api.rate=2", "sluice.rate-limiter.instances.api.per=10s");

	private static MockMvc mvc(WebApplicationContext context) {
		return MockMvcBuilders.webAppContextSetup(context).build();
	}

	@Test
	void a429CarriesRateLimitAndRateLimitPolicyBesideRetryAfter() {
		this.contextRunner.run((context) -> {
			MockMvc mvc = mvc(context);
			mvc.perform(get("/quotes/a").header("X-Api-Key", "k1")).andExpect(status().isOk());
			mvc.perform(get("/quotes/b").header("X-Api-Key", "k1"))
				.andExpect(status().isOk())
				.andExpect(header().doesNotExist("RateLimit"));
			mvc.perform(get("/quotes/c").header("X-Api-Key", "k1"))
				.andExpect(status().isTooManyRequests())
				.andExpect(header().string("RateLimit-Policy", "\"api\";q=2;w=10"))
				.andExpect(header().string("RateLimit", org.hamcrest.Matchers.matchesPattern("\"api\";r=0;t=(9|10)")))
				.andExpect(header().string("Retry-After", org.hamcrest.Matchers.matchesPattern("9|10")));
			// another key has its own budget
			mvc.perform(get("/quotes/c").header("X-Api-Key", "k2")).andExpect(status().isOk());
		});
	}

	@Test
	void withAlwaysSuccessfulResponsesOfGuardedHandlersCarryTheFieldsToo() {
		this.contextRunner.withPropertyValues("sluice.web.rate-limit-headers=always").run((context) -> {
			MockMvc mvc = mvc(context);
			mvc.perform(get("/quotes/a").header("X-Api-Key", "k1"))
				.andExpect(status().isOk())
				.andExpect(header().string("RateLimit-Policy", "\"api\";q=2;w=10"))
				.andExpect(header().string("RateLimit", org.hamcrest.Matchers.matchesPattern("\"api\";r=1;t=(9|10)")));
			mvc.perform(get("/free")).andExpect(status().isOk()).andExpect(header().doesNotExist("RateLimit"));
		});
	}

	@Test
	void offSendsOnlyRetryAfter() {
		this.contextRunner.withPropertyValues("sluice.web.rate-limit-headers=off").run((context) -> {
			MockMvc mvc = mvc(context);
			for (int i = 0; i < 2; i++) {
				mvc.perform(get("/quotes/a").header("X-Api-Key", "k1")).andExpect(status().isOk());
			}
			mvc.perform(get("/quotes/a").header("X-Api-Key", "k1"))
				.andExpect(status().isTooManyRequests())
				.andExpect(header().exists("Retry-After"))
				.andExpect(header().doesNotExist("RateLimit"))
				.andExpect(header().doesNotExist("RateLimit-Policy"));
		});
	}

	@Test
	void aRefusedPublishIs503WithRetryAfter() {
		this.contextRunner.run((context) -> mvc(context).perform(get("/publish"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"))
			.andExpect(jsonPath("$.type").value(SluiceExceptionHandler.PROBLEM_TYPES + "event-rejected"))
			.andExpect(jsonPath("$.topic").value("orders"))
			.andExpect(jsonPath("$.subscribers[0]").value("mailer")));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableWebMvc
	static class Mvc {

		@Bean
		Quotes quotes() {
			return new Quotes();
		}

	}

	@RestController
	static class Quotes {

		@GetMapping("/quotes/{symbol}")
		@RateLimited(value = "api", key = "#apiKey")
		public String quote(@RequestHeader("X-Api-Key") String apiKey, @PathVariable String symbol) {
			return symbol;
		}

		@GetMapping("/free")
		public String free() {
			return "free";
		}

		@GetMapping("/publish")
		public String publish() {
			throw new EventRejectedException("orders", List.of("mailer"), "mailer's buffer is full");
		}

	}

}
