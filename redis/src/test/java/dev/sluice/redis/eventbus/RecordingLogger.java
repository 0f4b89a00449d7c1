package dev.sluice.redis.eventbus;

import java.lang.System.Logger;
import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link System.Logger} that keeps what it is given, at every level. */
final class RecordingLogger implements System.Logger {

	/** One message logged. */
	record Entry(Level level, String message) {
	}

	final List<Entry> entries = new CopyOnWriteArrayList<>();

	@Override
	public String getName() {
		return "recording";
	}

	@Override
	public boolean isLoggable(Level level) {
		return true;
	}

	@Override
	public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
		this.entries.add(new Entry(level, message));
	}

	@Override
	public void log(Level level, ResourceBundle bundle, String format, Object... params) {
		this.entries.add(new Entry(level,
				(params == null || params.length == 0) ? format : MessageFormat.format(format, params)));
	}

	/** The levels of the messages that contain the text, in order. */
	List<Logger.Level> levels(String text) {
		return this.entries.stream().filter((entry) -> entry.message().contains(text)).map(Entry::level).toList();
	}

}
