package dev.sluice.context;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.micrometer.context.ContextRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The adapter makes the same calls on the accessors as Micrometer's
 * {@code ContextSnapshotFactory} with {@code clearMissing(false)}: getValue to capture;
 * getValue then setValue, in the registry's order, to set; restore(previous) or
 * restore(), in the reverse order, to put back. Each test has a registry of its own. (No
 * method here names a type of the library: discovery in the surefire execution without it
 * must still load the class.)
 */
class MicrometerThreadLocalsTest {

	private final ContextRegistry registry = new ContextRegistry();

	private final MicrometerThreadLocals threadLocals = new MicrometerThreadLocals(this.registry);

	private final Queue<String> calls = new ConcurrentLinkedQueue<>();

	@Test
	void setsInTheRegistrysOrderAndPutsBackInReverse() {
		List<RecordingAccessor> accessors = withValues("a", "a-submitter", "b", "b-submitter", "c", "c-submitter");
		RecordingAccessor a = accessors.get(0);
		RecordingAccessor b = accessors.get(1);
		RecordingAccessor c = accessors.get(2);
		Object captured = this.threadLocals.capture();
		assertThat(captured).hasToString("{a=a-submitter, b=b-submitter, c=c-submitter}");
		assertThat(this.calls).containsExactly("a.getValue", "b.getValue", "c.getValue");
		this.calls.clear();
		// the running thread has a value of its own for b only
		a.local.remove();
		b.local.set("b-worker");
		c.local.remove();
		Object previous = this.threadLocals.set(captured);
		assertThat(List.of(a.local.get(), b.local.get(), c.local.get())).containsExactly("a-submitter", "b-submitter",
				"c-submitter");
		this.threadLocals.putBack(captured, previous);
		assertThat(this.calls).containsExactly("a.getValue", "a.setValue(a-submitter)", "b.getValue",
				"b.setValue(b-submitter)", "c.getValue", "c.setValue(c-submitter)", "c.restore()",
				"b.restore(b-worker)", "a.restore()");
		assertThat(a.local.get()).isNull();
		assertThat(b.local.get()).isEqualTo("b-worker");
		assertThat(c.local.get()).isNull();
	}

	@Test
	void anAccessorWithNoValueOnTheSubmittingThreadIsLeftAloneOnTheRunningThread() {
		List<RecordingAccessor> accessors = withValues("carried", "submitter", "absent", null);
		RecordingAccessor carried = accessors.get(0);
		RecordingAccessor absent = accessors.get(1);
		Object captured = this.threadLocals.capture();
		assertThat(captured).hasToString("{carried=submitter}");
		carried.local.remove();
		absent.local.set("worker's own");
		this.calls.clear();
		Object previous = this.threadLocals.set(captured);
		assertThat(absent.local.get()).isEqualTo("worker's own");
		this.threadLocals.putBack(captured, previous);
		assertThat(absent.local.get()).isEqualTo("worker's own");
		assertThat(this.calls).containsExactly("carried.getValue", "carried.setValue(submitter)", "carried.restore()");
	}

	@Test
	void onAThreadThatHadNothingEverySetValueIsTakenAwayAndNothingStaysForTheNext() {
		List<RecordingAccessor> accessors = withValues("a", "a-1", "b", "b-1");
		RecordingAccessor a = accessors.get(0);
		RecordingAccessor b = accessors.get(1);
		Object first = this.threadLocals.capture();
		b.local.set("b-2");
		a.local.remove();
		Object second = this.threadLocals.capture();
		assertThat(second).hasToString("{b=b-2}");
		// the same thread now runs the two pieces of work one after the other, as a
		// worker
		b.local.remove();
		this.calls.clear();
		Object previous = this.threadLocals.set(first);
		assertThat(List.of(a.local.get(), b.local.get())).containsExactly("a-1", "b-1");
		this.threadLocals.putBack(first, previous);
		assertThat(this.calls).containsExactly("a.getValue", "a.setValue(a-1)", "b.getValue", "b.setValue(b-1)",
				"b.restore()", "a.restore()");
		assertThat(a.local.get()).isNull();
		assertThat(b.local.get()).isNull();
		this.calls.clear();
		Object previousOfSecond = this.threadLocals.set(second);
		assertThat(a.local.get()).as("nothing of the first").isNull();
		assertThat(b.local.get()).isEqualTo("b-2");
		this.threadLocals.putBack(second, previousOfSecond);
		assertThat(this.calls).containsExactly("b.getValue", "b.setValue(b-2)", "b.restore()");
		assertThat(a.local.get()).isNull();
		assertThat(b.local.get()).isNull();
		assertThat(previousOfSecond).as("a thread that had nothing costs no array of what it had").isSameAs(previous);
	}

	@Test
	void nothingToCarryWhenNoAccessorHasAValue() {
		assertThat(this.threadLocals.capture()).as("no accessor").isNull();
		RecordingAccessor.register(this.registry, this.calls, "never");
		assertThat(this.threadLocals.capture()).as("an accessor whose getValue returns null").isNull();
		assertThat(this.calls).containsExactly("never.getValue");
	}

	@Test
	void anAccessorRegisteredReplacedOrRemovedAfterACaptureIsSeenByTheNext() {
		RecordingAccessor first = RecordingAccessor.register(this.registry, this.calls, "first");
		first.local.set("1");
		assertThat(this.threadLocals.capture()).hasToString("{first=1}");
		RecordingAccessor later = RecordingAccessor.register(this.registry, this.calls, "later");
		later.local.set("2");
		assertThat(this.threadLocals.capture()).hasToString("{first=1, later=2}");
		// the same key again: the registry replaces the accessor, the list keeps its size
		RecordingAccessor replacing = RecordingAccessor.register(this.registry, this.calls, "first");
		replacing.local.set("1'");
		assertThat(this.threadLocals.capture()).hasToString("{later=2, first=1'}");
		this.registry.removeThreadLocalAccessor("later");
		assertThat(this.threadLocals.capture()).hasToString("{first=1'}");
	}

	@Test
	void aContextCapturedBeforeARegistrationIsSetAndPutBackWithTheAccessorsOfItsCapture() {
		RecordingAccessor first = withValues("first", "1").get(0);
		Object captured = this.threadLocals.capture();
		RecordingAccessor later = RecordingAccessor.register(this.registry, this.calls, "later");
		later.local.set("own");
		first.local.remove();
		Object previous = this.threadLocals.set(captured);
		assertThat(first.local.get()).isEqualTo("1");
		assertThat(later.local.get()).isEqualTo("own");
		this.threadLocals.putBack(captured, previous);
		assertThat(first.local.get()).isNull();
		assertThat(later.local.get()).isEqualTo("own");
	}

	@Test
	void aFailingSetValuePutsBackWhatWasAlreadySetAndPropagates() {
		List<RecordingAccessor> accessors = withValues("a", "a-1", "failing", "f-1", "c", "c-1");
		RecordingAccessor a = accessors.get(0);
		RecordingAccessor failing = accessors.get(1);
		RecordingAccessor c = accessors.get(2);
		Object captured = this.threadLocals.capture();
		a.local.set("a-own");
		failing.local.remove();
		c.local.remove();
		failing.failSet = true;
		this.calls.clear();
		assertThatThrownBy(() -> this.threadLocals.set(captured)).isInstanceOf(IllegalStateException.class)
			.hasMessage("failing.setValue failed");
		assertThat(this.calls).containsExactly("a.getValue", "a.setValue(a-1)", "failing.getValue",
				"failing.setValue(f-1)", "a.restore(a-own)");
		assertThat(a.local.get()).isEqualTo("a-own");
		assertThat(c.local.get()).isNull();
	}

	@Test
	void aFailingSetValueOnAThreadThatHadNothingTakesAwayWhatWasAlreadySet() {
		List<RecordingAccessor> accessors = withValues("a", "a-1", "failing", "f-1", "c", "c-1");
		RecordingAccessor a = accessors.get(0);
		RecordingAccessor failing = accessors.get(1);
		RecordingAccessor c = accessors.get(2);
		Object captured = this.threadLocals.capture();
		a.local.remove();
		failing.local.remove();
		c.local.remove();
		failing.failSet = true;
		this.calls.clear();
		assertThatThrownBy(() -> this.threadLocals.set(captured)).isInstanceOf(IllegalStateException.class)
			.hasMessage("failing.setValue failed");
		assertThat(this.calls).containsExactly("a.getValue", "a.setValue(a-1)", "failing.getValue",
				"failing.setValue(f-1)", "a.restore()");
		assertThat(a.local.get()).isNull();
		assertThat(c.local.get()).isNull();
	}

	@Test
	void aFailingRestoreDoesNotStopTheOthersBeingPutBack() {
		List<RecordingAccessor> accessors = withValues("a", "a-1", "failing", "f-1", "c", "c-1");
		RecordingAccessor a = accessors.get(0);
		RecordingAccessor failing = accessors.get(1);
		RecordingAccessor c = accessors.get(2);
		Object captured = this.threadLocals.capture();
		a.local.remove();
		failing.local.remove();
		c.local.set("c-own");
		Object previous = this.threadLocals.set(captured);
		failing.failRestore = true;
		a.failRestore = true;
		assertThatThrownBy(() -> this.threadLocals.putBack(captured, previous))
			.isInstanceOf(IllegalStateException.class)
			.hasMessage("failing.restore failed")
			.satisfies((ex) -> assertThat(ex.getSuppressed()).singleElement()
				.extracting(Throwable::getMessage)
				.isEqualTo("a.restore failed"));
		assertThat(c.local.get()).isEqualTo("c-own");
	}

	/**
	 * Registers an accessor for each key, in the order given, and sets the value that
	 * follows the key ({@code null}: none) on this thread, the submitting one.
	 */
	private List<RecordingAccessor> withValues(@Nullable String... keysAndValues) {
		List<RecordingAccessor> accessors = new ArrayList<>();
		for (int i = 0; i < keysAndValues.length; i += 2) {
			RecordingAccessor accessor = RecordingAccessor.register(this.registry, this.calls,
					Objects.requireNonNull(keysAndValues[i]));
			accessor.local.set(keysAndValues[i + 1]);
			accessors.add(accessor);
		}
		return accessors;
	}

}
