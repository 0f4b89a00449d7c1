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
		return price(symbol);
	}

	private static Quote price(String symbol) {
		return new Quote(symbol, 100 + Math.floorMod(symbol.hashCode(), 900) / 10.0);
	}

	/** Each API key has a budget of its own in the {@code per-key-api} limiter. */
	@RateLimited(value = "per-key-api", key = "#apiKey")
	public Quote quoteFor(String apiKey, String symbol) {
		// not quote(symbol): a call on this bean does not go through its proxy
		return price(symbol);
	}

	record Quote(String symbol, double price) {
	}

}
