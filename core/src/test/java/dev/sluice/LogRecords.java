package dev.sluice;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records one logger writes while a test runs (Sluice's core logs through
 * {@code System.Logger}, which is {@code java.util.logging} here). Close it to stop
 * recording.
 */
public final class LogRecords implements AutoCloseable {

	private final Logger logger;

	private final List<LogRecord> records = new CopyOnWriteArrayList<>();

	private final Level levelBefore;

	private final Handler handler = new Handler() {

		@Override
		public void publish(LogRecord record) {
			LogRecords.this.records.add(record);
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}
	};

	private LogRecords(String name) {
		this.logger = Logger.getLogger(name);
		this.levelBefore = this.logger.getLevel();
		// whatever another test or the configuration set, record everything while this
		// one runs
		this.logger.setLevel(Level.ALL);
		this.handler.setLevel(Level.ALL);
		this.logger.addHandler(this.handler);
	}

	/** Starts recording what the logger of that name writes. */
	public static LogRecords of(Class<?> logger) {
		return new LogRecords(logger.getName());
	}

	/** What was written at WARNING or above, so far. */
	public List<LogRecord> warnings() {
		return this.records.stream()
			.filter((record) -> record.getLevel().intValue() >= Level.WARNING.intValue())
			.toList();
	}

	@Override
	public void close() {
		this.logger.removeHandler(this.handler);
		this.logger.setLevel(this.levelBefore);
	}

}
