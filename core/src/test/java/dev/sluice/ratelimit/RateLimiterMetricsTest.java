package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.List;

import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadConfig;
import dev.sluice.bulkhead.BulkheadMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterMetricsTest {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void rateLimiterMetersUseResilience4jNames() {
		RateLimiter limiter = RateLimiter.create("partner", RateLimitConfig.perSecond(3));
		new RateLimiterMetrics(List.of(limiter), Tags.empty()).bindTo(this.registry);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(this.registry.get("resilience4j.ratelimiter.available.permissions")
			.tag("name", "partner")
			.gauge()
			.value()).isEqualTo(2);
		assertThat(this.registry.get("resilience4j.ratelimiter.waiting_threads").tag("name", "partner").gauge().value())
			.isZero();
		limiter.tryAcquire(2);
		limiter.tryAcquire();
		assertThat(this.registry.get("sluice.ratelimiter.rejected").tag("name", "partner").functionCounter().count())
			.isEqualTo(1);
	}

	@Test
	void bulkheadMetersFollowItsState() throws Exception {
		Bulkhead bulkhead = Bulkhead.create("db", BulkheadConfig.ofPermits(4));
		new BulkheadMetrics(List.of(bulkhead), Tags.empty()).bindTo(this.registry);
		Bulkhead.Permit permit = bulkhead.acquire(3, Duration.ZERO);
		assertThat(this.registry.get("sluice.bulkhead.in.use").tag("name", "db").gauge().value()).isEqualTo(3);
		assertThat(this.registry.get("sluice.bulkhead.available").tag("name", "db").gauge().value()).isEqualTo(1);
		assertThat(this.registry.get("sluice.bulkhead.permits").tag("name", "db").gauge().value()).isEqualTo(4);
		assertThat(bulkhead.tryAcquire(2)).isEmpty();
		assertThat(this.registry.get("sluice.bulkhead.rejected").tag("name", "db").functionCounter().count())
			.isEqualTo(1);
		permit.close();
		assertThat(this.registry.get("sluice.bulkhead.in.use").tag("name", "db").gauge().value()).isZero();
		assertThat(this.registry.get("sluice.bulkhead.wait").tag("name", "db").functionTimer().count()).isZero();
	}

}
