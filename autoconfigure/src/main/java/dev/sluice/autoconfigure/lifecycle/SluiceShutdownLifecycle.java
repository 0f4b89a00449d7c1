package dev.sluice.autoconfigure.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import dev.sluice.lifecycle.ComponentRegistry;
import dev.sluice.lifecycle.Drainable;
import dev.sluice.lifecycle.GracefulShutdown;
import dev.sluice.lifecycle.ShutdownReport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Stops every Sluice component of the application when the context closes (every
 * {@link Drainable} bean, and every component of every {@link ComponentRegistry} bean):
 * intake stops, accepted work drains within {@code sluice.shutdown.timeout}, and what is
 * left is abandoned and logged.
 *
 * <p>
 * Its {@link #PHASE} puts it after the web server's graceful shutdown, so HTTP requests
 * still in flight can submit work, and before the web server itself stops.
 *
 * <p>
 * Only closing the context shuts the components down. A lifecycle stop without a close
 * (such as {@code context.stop()}, or the test framework pausing a cached context) leaves
 * them running, so that a later start finds them working.
 */
public class SluiceShutdownLifecycle
		implements SmartLifecycle, ApplicationListener<ContextClosedEvent>, ApplicationContextAware {

	/**
	 * Between Spring Boot's web-server graceful shutdown ({@code DEFAULT_PHASE - 1024}),
	 * which stops first, and the web server's own stop ({@code DEFAULT_PHASE - 2048}).
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

	private static final Log logger = LogFactory.getLog(SluiceShutdownLifecycle.class);

	private final ListableBeanFactory beanFactory;

	private final Duration timeout;

	private volatile boolean running;

	private volatile boolean closing;

	private volatile boolean shutdown;

	private @Nullable ApplicationContext context;

	private volatile @Nullable ShutdownReport lastReport;

	public SluiceShutdownLifecycle(ListableBeanFactory beanFactory, Duration timeout) {
		this.beanFactory = beanFactory;
		this.timeout = timeout;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (event.getApplicationContext() != this.context) {
			return; // a child context closing
		}
		this.closing = true;
		if (!this.running) {
			// a stopped (paused) context gets no lifecycle stop on close: shut down now
			shutdown();
		}
	}

	@Override
	public void stop() {
		this.running = false;
		if (this.closing) {
			shutdown();
		}
	}

	private synchronized void shutdown() {
		if (this.shutdown) {
			return;
		}
		this.shutdown = true;
		List<Drainable> components = components();
		ShutdownReport report = GracefulShutdown.drain(components, this.timeout);
		this.lastReport = report;
		if (report.clean()) {
			logger.info("Sluice stopped " + components.size() + " components in " + report.took().toMillis()
					+ "ms; all accepted work finished");
		}
		else {
			for (ShutdownReport.Component component : report.components()) {
				if (component.abandoned() > 0 || !component.drained()) {
					logger.warn("Sluice component '" + component.name() + "' did not finish within " + this.timeout
							+ ": " + component.abandoned() + " tasks abandoned (queued ones dropped,"
							+ " running ones interrupted)");
				}
			}
		}
	}

	/** Every Drainable bean and every component of every registry bean, each once. */
	private List<Drainable> components() {
		Set<Drainable> components = Collections.newSetFromMap(new IdentityHashMap<>());
		List<Drainable> ordered = new ArrayList<>();
		for (ComponentRegistry<?> registry : this.beanFactory.getBeansOfType(ComponentRegistry.class, false, false)
			.values()) {
			for (Drainable component : registry.all()) {
				if (components.add(component)) {
					ordered.add(component);
				}
			}
		}
		for (Drainable component : this.beanFactory.getBeansOfType(Drainable.class, false, false).values()) {
			if (components.add(component)) {
				ordered.add(component);
			}
		}
		return ordered;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/** The report of the last shutdown, or {@code null} if none has happened. */
	public @Nullable ShutdownReport lastReport() {
		return this.lastReport;
	}

}
