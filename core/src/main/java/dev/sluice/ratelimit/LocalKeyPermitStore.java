package dev.sluice.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.LongSupplier;

/**
 * The permits of one key ({@link RateLimiter#forKey}) in this process: the same refresh
 * periods as {@link LocalPermitStore} (a whole burst at the start of each period, the
 * periods counted from this store's first clock reading), held in one {@code long} of
 * this object, so that an acquire on a key touches the key's own memory once. Thread-safe
 * and lock-free; never takes part of what it is asked for.
 */
final class LocalKeyPermitStore implements PermitStore {

	/*
	 * Why not resilience4j, as for a limiter's own permits: an AtomicRateLimiter is a
	 * dozen objects (its config, an AtomicReference to an immutable state replaced on
	 * every acquire, a clock, an event processor...). With thousands of keys visited in
	 * turn, each of those is a cache miss, and a keyed acquire cost 15 times a single
	 * one. Here a key is this object, made with the key's limiter and so mostly next to
	 * it in memory.
	 *
	 * The state packs the permits left (the high 32 bits; at most the burst, an int) and
	 * the index of the period they belong to, cut to its low 32 bits. A period whose
	 * index differs from the stored one, by signed 32-bit difference, refills the burst
	 * whole, exactly as resilience4j's min(permits + periods × burst, burst) does since
	 * its limit per period is the burst. A reading from slightly in the past (another
	 * thread's clock) sees a negative difference and takes from the stored period, so it
	 * never refills early.
	 *
	 * The cut index would wrap after 2^32 periods (4 seconds, for a 1ns period) and then
	 * look current again. "touched" rules that out: it is written (when older than a
	 * millisecond) before each successful CAS and read after the state, so it is at most
	 * a millisecond older than the period the state was written in. If it is 2^30 periods
	 * old or more, the stored period has surely ended, and the burst is whole; otherwise
	 * the state was written less than 2^31 periods ago (2^30 periods plus a millisecond,
	 * and a period is at least a nanosecond), where the signed difference is exact.
	 */

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(LocalKeyPermitStore.class, "state", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** The coarsest interval between two writes of {@link #touched}. */
	private static final long TOUCH_NANOS = 1_000_000;

	private final LongSupplier clock;

	private final long start;

	private final long periodNanos;

	private final int burst;

	/** 2^30 periods, or the longest time if that does not fit. */
	private final long staleNanos;

	/** {@code permits << 32 | (int) period}. */
	private volatile long state;

	/**
	 * A clock reading no more than a millisecond older than the latest change of state.
	 */
	private volatile long touched;

	LocalKeyPermitStore(RateLimitConfig config, LongSupplier clock) {
		this.clock = clock;
		this.periodNanos = config.refreshPeriod().toNanos();
		this.burst = config.burst();
		this.staleNanos = (this.periodNanos > (Long.MAX_VALUE >> 30)) ? Long.MAX_VALUE : this.periodNanos << 30;
		long now = clock.getAsLong();
		this.start = now;
		this.touched = now;
		this.state = pack(this.burst, 0);
	}

	@Override
	public long tryTake(int permits, long maxWaitNanos) {
		long now = this.clock.getAsLong();
		int period = (int) ((now - this.start) / this.periodNanos);
		while (true) {
			long state = this.state;
			boolean refilled = refilled(state, period, now);
			int left = refilled ? this.burst : (int) (state >>> 32);
			if (left < permits) {
				return nanosToNextPermit(now);
			}
			if (now - this.touched > TOUCH_NANOS) {
				this.touched = now;
			}
			// a reading from a moment ago takes from the newer stored period
			if (STATE.compareAndSet(this, state, pack(left - permits, refilled ? period : (int) state))) {
				return 0;
			}
		}
	}

	/**
	 * Whether the period at {@code now} is a later one than the state's, given the state
	 * read just before.
	 */
	private boolean refilled(long state, int period, long now) {
		return period - (int) state > 0 || now - this.touched >= this.staleNanos;
	}

	@Override
	public int available() {
		long now = this.clock.getAsLong();
		long state = this.state;
		return refilled(state, (int) ((now - this.start) / this.periodNanos), now) ? this.burst : (int) (state >>> 32);
	}

	@Override
	public long nanosToNextPermit() {
		return nanosToNextPermit(this.clock.getAsLong());
	}

	private long nanosToNextPermit(long now) {
		return this.periodNanos - Math.floorMod(now - this.start, this.periodNanos);
	}

	private static long pack(int permits, int period) {
		return ((long) permits << 32) | (period & 0xFFFF_FFFFL);
	}

}
