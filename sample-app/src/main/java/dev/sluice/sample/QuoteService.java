package dev.sluice.sample;

import dev.sluice.ratelimit.RateLimited;

import org.springframework.stereotype.Service;

/**
 * A partner API that allows only a few calls a second, guarded by the {@code partner-api}
 * limiter.
 */
@Service
class QuoteService {

	@RateLimited("partner-api")
	public Quote quote(String symbol) {
		return new Quote(symbol, 100 + Math.floorMod(symbol.hashCode(), 900) / 10.0);
	}

	record Quote(String symbol, double price) {
	}

}
