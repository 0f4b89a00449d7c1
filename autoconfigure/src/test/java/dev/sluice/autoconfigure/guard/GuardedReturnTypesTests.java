package dev.sluice.autoconfigure.guard;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.bulkhead.Bulkheaded;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimited;
import dev.sluice.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A bulkhead's permit is held exactly as long as the work a guarded method starts, for
 * each return type (plain, {@code CompletableFuture}, {@code CompletionStage},
 * {@code Mono}, {@code Flux}), under completion, failure and cancellation; rate limiters
 * are taken at call time, or at subscription for Reactor.
 */
class GuardedReturnTypesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BulkheadAutoConfiguration.class, RateLimiterAutoConfiguration.class))
		.withPropertyValues("sluice.bulkhead.instances.db.permits=1", "sluice.rate-limiter.instances.api.rate=1",
				"sluice.rate-limiter.instances.api.per=1h")
		.withUserConfiguration(WorkConfiguration.class);

	private void run(Consumer<Fixture> test) {
		this.contextRunner.run((context) -> test.accept(new Fixture(context)));
	}

	record Fixture(Work work, Bulkhead db) {

		Fixture(AssertableApplicationContext context) {
			this(context.getBean(Work.class), context.getBean(BulkheadRegistry.class).get("db"));
		}

		int inUse() {
			return this.db.stats().inUse();
		}

		/** The permit is back, and was given back once: a second release would show 2. */
		void assertFree() {
			assertThat(this.db.stats().inUse()).isZero();
			assertThat(this.db.stats().available()).isEqualTo(1);
		}

	}

	// plain

	@Test
	void plainCallHoldsItsPermitWhileItRuns() {
		run((f) -> {
			CountDownLatch inside = new CountDownLatch(1);
			CountDownLatch leave = new CountDownLatch(1);
			CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> f.work().plain(inside, leave));
			await().until(() -> inside.getCount() == 0);
			assertThat(f.inUse()).isEqualTo(1);
			assertThatThrownBy(() -> f.work().plain(new CountDownLatch(1), new CountDownLatch(0)))
				.isInstanceOf(BulkheadException.class);
			leave.countDown();
			assertThat(first.join()).isEqualTo("done");
			f.assertFree();
		});
	}

	@Test
	void plainCallThatFailsGivesItsPermitBack() {
		run((f) -> {
			assertThatThrownBy(() -> f.work().plainFailing()).isInstanceOf(IllegalStateException.class);
			f.assertFree();
		});
	}

	// CompletableFuture

	@Test
	void futureHoldsItsPermitUntilItCompletes() {
		run((f) -> {
			CompletableFuture<String> work = new CompletableFuture<>();
			CompletableFuture<String> call = f.work().future(work);
			assertThat(f.inUse()).isEqualTo(1);
			CompletableFuture<String> second = f.work().future(CompletableFuture.completedFuture("no"));
			assertThat(second).isCompletedExceptionally();
			assertThatThrownBy(second::join).isInstanceOf(CompletionException.class)
				.hasCauseInstanceOf(BulkheadException.class);
			assertThat(call).isNotDone();
			work.complete("yes");
			assertThat(call.join()).isEqualTo("yes");
			// released before the caller could see the completion
			f.assertFree();
		});
	}

	@Test
	void futureThatFailsGivesItsPermitBackAndFailsAlike() {
		run((f) -> {
			CompletableFuture<String> work = new CompletableFuture<>();
			CompletableFuture<String> call = f.work().future(work);
			assertThat(f.inUse()).isEqualTo(1);
			IOException failure = new IOException("down");
			work.completeExceptionally(failure);
			assertThatThrownBy(call::join).isInstanceOf(CompletionException.class).hasCause(failure);
			f.assertFree();
		});
	}

	@Test
	void futureCancelledByTheCallerGivesItsPermitBackAndCancelsTheWork() {
		run((f) -> {
			CompletableFuture<String> work = new CompletableFuture<>();
			CompletableFuture<String> call = f.work().future(work);
			assertThat(f.inUse()).isEqualTo(1);
			assertThat(call.cancel(true)).isTrue();
			f.assertFree();
			assertThat(work).isCancelled();
			// the work ending later gives nothing back a second time
			work.complete("late");
			f.assertFree();
		});
	}

	@Test
	void futureCancelledByTheMethodGivesItsPermitBack() {
		run((f) -> {
			CompletableFuture<String> work = new CompletableFuture<>();
			CompletableFuture<String> call = f.work().future(work);
			work.cancel(true);
			assertThat(call).isCancelled();
			f.assertFree();
		});
	}

	@Test
	void futureMethodThatThrowsOrReturnsNullGivesItsPermitBackAtOnce() {
		run((f) -> {
			assertThatThrownBy(() -> f.work().futureThrowing()).isInstanceOf(IllegalStateException.class);
			f.assertFree();
			assertThat(f.work().futureNull()).isNull();
			f.assertFree();
		});
	}

	@Test
	void completionAndCancellationRacingGiveThePermitBackExactlyOnce() throws Exception {
		run((f) -> {
			ExecutorService threads = Executors.newFixedThreadPool(2);
			try {
				for (int i = 0; i < 2000; i++) {
					CompletableFuture<String> work = new CompletableFuture<>();
					CompletableFuture<String> call = f.work().future(work);
					CyclicBarrier start = new CyclicBarrier(2);
					Future<?> complete = threads.submit(() -> {
						start.await();
						return work.complete("x");
					});
					Future<?> cancel = threads.submit(() -> {
						start.await();
						return call.cancel(true);
					});
					complete.get(10, TimeUnit.SECONDS);
					cancel.get(10, TimeUnit.SECONDS);
					assertThat(call).isDone();
					f.assertFree();
				}
			}
			catch (Exception ex) {
				throw new AssertionError(ex);
			}
			finally {
				threads.shutdownNow();
			}
		});
	}

	// CompletionStage

	@Test
	void stageHoldsItsPermitUntilItCompletes() {
		run((f) -> {
			CompletableFuture<String> work = new CompletableFuture<>();
			CompletionStage<String> call = f.work().stage(work);
			assertThat(f.inUse()).isEqualTo(1);
			CompletionStage<String> second = f.work().stage(CompletableFuture.completedFuture("no"));
			assertThatThrownBy(() -> second.toCompletableFuture().join()).hasCauseInstanceOf(BulkheadException.class);
			work.complete("yes");
			assertThat(call.toCompletableFuture().join()).isEqualTo("yes");
			f.assertFree();
		});
	}

	@Test
	void stageThatFailsOrIsCancelledGivesItsPermitBack() {
		run((f) -> {
			CompletableFuture<String> failing = new CompletableFuture<>();
			CompletionStage<String> call = f.work().stage(failing);
			failing.completeExceptionally(new IOException("down"));
			assertThatThrownBy(() -> call.toCompletableFuture().join()).hasCauseInstanceOf(IOException.class);
			f.assertFree();

			CompletableFuture<String> cancelled = new CompletableFuture<>();
			CompletionStage<String> other = f.work().stage(cancelled);
			assertThat(f.inUse()).isEqualTo(1);
			other.toCompletableFuture().cancel(true);
			f.assertFree();
			assertThatThrownBy(() -> other.toCompletableFuture().join()).isInstanceOf(CancellationException.class);
		});
	}

	// Mono

	@Test
	void monoTakesItsPermitOnSubscriptionAndHoldsItUntilItCompletes() {
		run((f) -> {
			Sinks.One<String> work = Sinks.one();
			Mono<String> call = f.work().mono(work.asMono());
			assertThat(f.inUse()).as("nothing is taken before subscription").isZero();
			List<String> values = new ArrayList<>();
			call.subscribe(values::add);
			assertThat(f.inUse()).isEqualTo(1);
			Mono<String> second = f.work().mono(Mono.just("no"));
			assertThatThrownBy(second::block).isInstanceOf(BulkheadException.class);
			work.tryEmitValue("yes");
			assertThat(values).containsExactly("yes");
			f.assertFree();
		});
	}

	@Test
	void monoRefusalIsAnErrorSignalNotAThrow() {
		run((f) -> {
			Disposable holding = f.work().mono(Mono.never()).subscribe();
			Mono<String> refused = f.work().mono(Mono.just("no"));
			List<Throwable> errors = new ArrayList<>();
			refused.subscribe((value) -> {
			}, errors::add);
			assertThat(errors).singleElement().isInstanceOf(BulkheadException.class);
			holding.dispose();
			f.assertFree();
			// each subscription takes its own permit
			assertThat(refused.block()).isEqualTo("no");
			f.assertFree();
		});
	}

	@Test
	void monoThatFailsGivesItsPermitBack() {
		run((f) -> {
			Sinks.One<String> work = Sinks.one();
			List<Throwable> errors = new ArrayList<>();
			f.work().mono(work.asMono()).subscribe((value) -> {
			}, errors::add);
			assertThat(f.inUse()).isEqualTo(1);
			work.tryEmitError(new IOException("down"));
			assertThat(errors).singleElement().isInstanceOf(IOException.class);
			f.assertFree();
		});
	}

	@Test
	void monoCancelledGivesItsPermitBackOnce() {
		run((f) -> {
			Sinks.One<String> work = Sinks.one();
			Disposable subscription = f.work().mono(work.asMono()).subscribe();
			assertThat(f.inUse()).isEqualTo(1);
			subscription.dispose();
			f.assertFree();
			work.tryEmitValue("late");
			f.assertFree();
		});
	}

	@Test
	void monoTimeoutCancelsAndGivesThePermitBack() {
		run((f) -> {
			assertThatThrownBy(() -> f.work().mono(Mono.never()).timeout(Duration.ofMillis(50)).block())
				.hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
			f.assertFree();
		});
	}

	// Flux

	@Test
	void fluxHoldsItsPermitUntilItCompletes() {
		run((f) -> {
			Sinks.Many<String> work = Sinks.many().unicast().onBackpressureBuffer();
			Flux<String> call = f.work().flux(work.asFlux());
			assertThat(f.inUse()).isZero();
			List<String> values = new ArrayList<>();
			call.subscribe(values::add);
			work.tryEmitNext("a");
			work.tryEmitNext("b");
			assertThat(f.inUse()).isEqualTo(1);
			List<Throwable> errors = new ArrayList<>();
			f.work().flux(Flux.just("no")).subscribe((value) -> {
			}, errors::add);
			assertThat(errors).singleElement().isInstanceOf(BulkheadException.class);
			work.tryEmitComplete();
			assertThat(values).containsExactly("a", "b");
			f.assertFree();
		});
	}

	@Test
	void fluxThatFailsOrIsCancelledGivesItsPermitBack() {
		run((f) -> {
			Sinks.Many<String> failing = Sinks.many().unicast().onBackpressureBuffer();
			List<Throwable> errors = new ArrayList<>();
			f.work().flux(failing.asFlux()).subscribe((value) -> {
			}, errors::add);
			failing.tryEmitError(new IOException("down"));
			assertThat(errors).singleElement().isInstanceOf(IOException.class);
			f.assertFree();

			// take(1) cancels upstream after the first element
			assertThat(f.work().flux(Flux.just("a", "b", "c")).take(1).collectList().block()).containsExactly("a");
			f.assertFree();
			Disposable endless = f.work().flux(Flux.never()).subscribe();
			assertThat(f.inUse()).isEqualTo(1);
			endless.dispose();
			f.assertFree();
		});
	}

	// rate limiters

	@Test
	void rateLimiterIsTakenAtCallTimeForAFutureAndRefusesWithAFailedFuture() {
		this.contextRunner.run((context) -> {
			Work work = context.getBean(Work.class);
			CompletableFuture<String> first = work.limitedFuture();
			assertThat(first.join()).isEqualTo("ok");
			CompletableFuture<String> second = work.limitedFuture();
			assertThatThrownBy(second::join).hasCauseInstanceOf(RateLimitExceededException.class);
		});
	}

	@Test
	void rateLimiterIsTakenOnSubscriptionForAMono() {
		this.contextRunner.run((context) -> {
			Work work = context.getBean(Work.class);
			Mono<String> first = work.limitedMono();
			Mono<String> second = work.limitedMono();
			RateLimiterRegistry limiters = context.getBean(RateLimiterRegistry.class);
			assertThat(limiters.get("api").stats().available()).as("nothing taken before subscription").isEqualTo(1);
			assertThat(first.block()).isEqualTo("ok");
			assertThatThrownBy(second::block).isInstanceOf(RateLimitExceededException.class);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class WorkConfiguration {

		@Bean
		Work work() {
			return new Work();
		}

	}

	static class Work {

		@Bulkheaded("db")
		public String plain(CountDownLatch inside, CountDownLatch leave) {
			inside.countDown();
			try {
				leave.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "done";
		}

		@Bulkheaded("db")
		public String plainFailing() {
			throw new IllegalStateException("failed");
		}

		@Bulkheaded("db")
		public CompletableFuture<String> future(CompletableFuture<String> work) {
			return work;
		}

		@Bulkheaded("db")
		public CompletableFuture<String> futureThrowing() {
			throw new IllegalStateException("failed");
		}

		@Bulkheaded("db")
		public CompletableFuture<String> futureNull() {
			return null;
		}

		@Bulkheaded("db")
		public CompletionStage<String> stage(CompletableFuture<String> work) {
			return work.thenApply((value) -> value);
		}

		@Bulkheaded("db")
		public Mono<String> mono(Mono<String> work) {
			return work;
		}

		@Bulkheaded("db")
		public Flux<String> flux(Flux<String> work) {
			return work;
		}

		@RateLimited("api")
		public CompletableFuture<String> limitedFuture() {
			return CompletableFuture.completedFuture("ok");
		}

		@RateLimited("api")
		public Mono<String> limitedMono() {
			return Mono.just("ok");
		}

	}

}
