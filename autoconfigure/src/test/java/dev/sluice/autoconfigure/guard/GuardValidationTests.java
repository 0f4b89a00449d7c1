package dev.sluice.autoconfigure.guard;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.sluice.autoconfigure.StartupFailures;
import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.bulkhead.Bulkheaded;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimited;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Guard annotations are checked when the application starts (names, fallbacks), and
 * fallbacks answer refusals, and only refusals.
 */
@ExtendWith(OutputCaptureExtension.class)
class GuardValidationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BulkheadAutoConfiguration.class, RateLimiterAutoConfiguration.class))
		.withPropertyValues("sluice.bulkhead.instances.db.permits=1", "sluice.bulkhead.instances.cache.permits=1",
				"sluice.rate-limiter.instances.api.rate=1", "sluice.rate-limiter.instances.api.per=1h");

	private String startupFailure(Class<?> beanType) {
		String[] failure = new String[1];
		this.contextRunner.withBean("guarded", beanType).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(GuardConfigurationException.class);
			failure[0] = StartupFailures.analyze(context.getStartupFailure());
		});
		return failure[0];
	}

	// fail fast

	@Test
	void unknownBulkheadStopsStartUpNamingBeanMethodAndWhatIsConfigured() {
		assertThat(startupFailure(UnknownBulkhead.class))
			.contains("@Bulkheaded on " + UnknownBulkhead.class.getName() + ".find(String) (bean 'guarded')")
			.contains("names bulkhead 'legacy', which is not configured under sluice.bulkhead.instances")
			.contains("configured: db, cache")
			.contains("Configure it under sluice.bulkhead.instances.legacy");
	}

	@Test
	void unknownRateLimiterOnAClassStopsStartUp() {
		assertThat(startupFailure(UnknownLimiterOnClass.class)).contains("@RateLimited on")
			.contains("names rate limiter 'partner', which is not configured under sluice.rate-limiter.instances")
			.contains("configured: api");
	}

	@Test
	void aLazyBeanIsCheckedToo() {
		this.contextRunner.withUserConfiguration(LazyConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("(bean 'lazyGuarded')")
				.hasMessageContaining("'legacy'");
		});
	}

	@Test
	void missingFallbackStopsStartUp() {
		assertThat(startupFailure(MissingFallback.class))
			.contains("names fallback method 'cached', which does not fit: MissingFallback has no method named"
					+ " 'cached'")
			.contains("Declare 'cached(String)' or 'cached(String, BulkheadException)' in MissingFallback");
	}

	@Test
	void fallbackWithOtherParametersStopsStartUpListingThem() {
		assertThat(startupFailure(WrongParameters.class)).contains("the methods named 'cached' take other parameters: ")
			.contains("cached(int)")
			.contains("cached(String, IOException)");
	}

	@Test
	void fallbackWithAnotherReturnTypeStopsStartUp() {
		assertThat(startupFailure(WrongReturnType.class))
			.contains("names fallback method 'cached(String)', which returns String where the guarded method returns"
					+ " CompletableFuture")
			.contains("Make the fallback return CompletableFuture");
	}

	@Test
	void fallbackThatFitsTwiceStopsStartUp() {
		assertThat(startupFailure(TwoFallbacks.class)).contains("fits more than one method")
			.contains("cached(String)")
			.contains("cached(String, RuntimeException)");
	}

	@Test
	void fallbackOnAClassStopsStartUp() {
		assertThat(startupFailure(FallbackOnClass.class)).contains("is on the class with fallbackMethod 'cached'")
			.contains("Move fallbackMethod to the annotation of each method");
	}

	@Test
	void annotationOnAMethodTheProxyCannotReachIsLoggedAtStartUp(CapturedOutput output) {
		this.contextRunner.withBean("guarded", Unreachable.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(output).contains("@Bulkheaded on " + Unreachable.class.getName()
					+ ".hidden(Bulkhead) (bean 'guarded')" + " has no effect");
			// and indeed it is not guarded
			Bulkhead db = context.getBean(BulkheadRegistry.class).get("db");
			assertThat(context.getBean(Unreachable.class).callsHidden(db)).isZero();
		});
	}

	// fallbacks

	@Test
	void fallbackAnswersARefusalWithTheArgumentsAndTheRefusal() {
		this.contextRunner.withBean(WithFallbacks.class).run((context) -> {
			WithFallbacks guarded = context.getBean(WithFallbacks.class);
			Bulkhead db = context.getBean(BulkheadRegistry.class).get("db");
			assertThat(guarded.find("a")).isEqualTo("fresh a");
			try (Bulkhead.Permit held = db.acquire()) {
				assertThat(guarded.find("a")).isEqualTo("cached a (FULL)");
			}
		});
	}

	@Test
	void fallbackDoesNotAnswerTheMethodsOwnFailures() {
		this.contextRunner.withBean(WithFallbacks.class).run((context) -> {
			WithFallbacks guarded = context.getBean(WithFallbacks.class);
			assertThatThrownBy(() -> guarded.find("fail")).isInstanceOf(IllegalStateException.class)
				.hasMessage("own failure");
			// not even when the method throws the refusal's type itself
			assertThatThrownBy(() -> guarded.find("refuse")).isInstanceOf(BulkheadException.class)
				.hasMessage("from inside");
		});
	}

	@Test
	void fallbackOfARateLimitedMethodMayTakeNoRefusal() {
		this.contextRunner.withBean(WithFallbacks.class).run((context) -> {
			WithFallbacks guarded = context.getBean(WithFallbacks.class);
			assertThat(guarded.quote(1)).isEqualTo("quote 1");
			assertThat(guarded.quote(2)).isEqualTo("stale 2");
		});
	}

	@Test
	void fallbackOfAFutureIsItsFuture() {
		this.contextRunner.withBean(WithFallbacks.class).run((context) -> {
			WithFallbacks guarded = context.getBean(WithFallbacks.class);
			CompletableFuture<String> work = new CompletableFuture<>();
			CompletableFuture<String> first = guarded.later("a", work);
			assertThat(guarded.later("b", new CompletableFuture<>()).join()).isEqualTo("later cached b");
			work.complete("fresh");
			assertThat(first.join()).isEqualTo("fresh");
		});
	}

	@Test
	void fallbackOfAMonoOrFluxIsSubscribedInstead() {
		this.contextRunner.withBean(WithFallbacks.class).run((context) -> {
			WithFallbacks guarded = context.getBean(WithFallbacks.class);
			Bulkhead cache = context.getBean(BulkheadRegistry.class).get("cache");
			try (Bulkhead.Permit held = cache.acquire()) {
				assertThat(guarded.mono("a").block()).isEqualTo("mono cached a");
				assertThat(guarded.flux("a").collectList().block()).containsExactly("flux", "cached", "a");
			}
			assertThat(guarded.mono("a").block()).isEqualTo("mono a");
			// the method's own error signal is not answered by the fallback
			assertThatThrownBy(() -> guarded.mono("fail").block()).isInstanceOf(IllegalStateException.class);
			assertThat(cache.stats().available()).isEqualTo(1);
		});
	}

	@Test
	void aPlainMethodRefusedWhileAnotherHoldsThePermitUsesItsFallback() throws Exception {
		this.contextRunner.withBean(WithFallbacks.class).run((context) -> {
			WithFallbacks guarded = context.getBean(WithFallbacks.class);
			CountDownLatch inside = new CountDownLatch(1);
			CountDownLatch leave = new CountDownLatch(1);
			CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> guarded.slow(inside, leave));
			inside.await();
			assertThat(guarded.find("b")).isEqualTo("cached b (FULL)");
			leave.countDown();
			assertThat(first.join()).isEqualTo("slow");
		});
	}

	static class UnknownBulkhead {

		@Bulkheaded("legacy")
		public String find(String id) {
			return id;
		}

	}

	@RateLimited("partner")
	static class UnknownLimiterOnClass {

		public String quote() {
			return "quote";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LazyConfiguration {

		@Bean
		@Lazy
		UnknownBulkhead lazyGuarded() {
			return new UnknownBulkhead();
		}

	}

	static class MissingFallback {

		@Bulkheaded(value = "db", fallbackMethod = "cached")
		public String find(String id) {
			return id;
		}

	}

	static class WrongParameters {

		@Bulkheaded(value = "db", fallbackMethod = "cached")
		public String find(String id) {
			return id;
		}

		String cached(int id) {
			return "";
		}

		String cached(String id, IOException refusal) {
			return "";
		}

	}

	static class WrongReturnType {

		@Bulkheaded(value = "db", fallbackMethod = "cached")
		public CompletableFuture<String> find(String id) {
			return CompletableFuture.completedFuture(id);
		}

		String cached(String id) {
			return id;
		}

	}

	static class TwoFallbacks {

		@Bulkheaded(value = "db", fallbackMethod = "cached")
		public String find(String id) {
			return id;
		}

		String cached(String id) {
			return id;
		}

		String cached(String id, RuntimeException refusal) {
			return id;
		}

	}

	@Bulkheaded(value = "db", fallbackMethod = "cached")
	static class FallbackOnClass {

		public String find(String id) {
			return id;
		}

		public String cached(String id) {
			return id;
		}

	}

	static class Unreachable {

		public int callsHidden(Bulkhead db) {
			return hidden(db);
		}

		@Bulkheaded("db")
		private int hidden(Bulkhead db) {
			return db.stats().inUse();
		}

	}

	static class WithFallbacks {

		@Bulkheaded(value = "db", fallbackMethod = "cached")
		public String find(String id) {
			if (id.equals("fail")) {
				throw new IllegalStateException("own failure");
			}
			if (id.equals("refuse")) {
				throw new BulkheadException("other", BulkheadException.Reason.FULL, "from inside");
			}
			return "fresh " + id;
		}

		private String cached(String id, BulkheadException refusal) {
			return "cached " + id + " (" + refusal.reason() + ")";
		}

		@Bulkheaded("db")
		public String slow(CountDownLatch inside, CountDownLatch leave) {
			inside.countDown();
			try {
				leave.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "slow";
		}

		@RateLimited(value = "api", fallbackMethod = "stale")
		public String quote(int id) {
			return "quote " + id;
		}

		String stale(int id) {
			return "stale " + id;
		}

		@Bulkheaded(value = "db", fallbackMethod = "laterCached")
		public CompletableFuture<String> later(String id, CompletableFuture<String> work) {
			return work;
		}

		CompletableFuture<String> laterCached(String id, CompletableFuture<String> work, Exception refusal) {
			return CompletableFuture.completedFuture("later cached " + id);
		}

		@Bulkheaded(value = "cache", fallbackMethod = "monoCached")
		public Mono<String> mono(String id) {
			return id.equals("fail") ? Mono.error(new IllegalStateException("own failure")) : Mono.just("mono " + id);
		}

		Mono<String> monoCached(String id) {
			return Mono.just("mono cached " + id);
		}

		@Bulkheaded(value = "cache", fallbackMethod = "fluxCached")
		public Flux<String> flux(String id) {
			return Flux.just("flux", id);
		}

		Flux<String> fluxCached(String id, Throwable refusal) {
			return Flux.just("flux", "cached", id);
		}

	}

}
