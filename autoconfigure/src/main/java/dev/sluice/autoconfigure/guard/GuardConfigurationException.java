package dev.sluice.autoconfigure.guard;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * A guard annotation that cannot work as written: it names a component that is not
 * configured, or a fallback method that is missing or does not fit. Thrown when the
 * application starts (naming the bean), and explained by a failure analyzer.
 */
public class GuardConfigurationException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String annotation;

	private final String method;

	private final @Nullable String bean;

	private final String problem;

	private final String action;

	/**
	 * @param annotation the annotation as written, such as {@code @Bulkheaded}
	 * @param method the guarded method, as {@code Class.method(ParameterTypes)}
	 * @param bean the bean whose method it is, if known
	 * @param problem what is wrong, such as "names bulkhead 'db', which is not
	 * configured"
	 * @param action what to do about it
	 */
	public GuardConfigurationException(String annotation, String method, @Nullable String bean, String problem,
			String action) {
		super(annotation + " on " + method + ((bean != null) ? " (bean '" + bean + "')" : "") + " " + problem + ". "
				+ action);
		this.annotation = annotation;
		this.method = method;
		this.bean = bean;
		this.problem = problem;
		this.action = action;
	}

	/** The same problem, found in the named bean. */
	GuardConfigurationException inBean(String beanName) {
		GuardConfigurationException found = new GuardConfigurationException(this.annotation, this.method, beanName,
				this.problem, this.action);
		found.setStackTrace(getStackTrace());
		return found;
	}

	/** The annotation as written, such as {@code @Bulkheaded}. */
	public String annotation() {
		return this.annotation;
	}

	/** The guarded method, as {@code Class.method(ParameterTypes)}. */
	public String method() {
		return this.method;
	}

	/** The bean whose method it is, if known. */
	public @Nullable String bean() {
		return this.bean;
	}

	/** What is wrong. */
	public String problem() {
		return this.problem;
	}

	/** What to do about it. */
	public String action() {
		return this.action;
	}

	/** A method as {@code Class.method(ParameterTypes)}, with simple names. */
	static String describe(Class<?> type, Method method) {
		return type.getName() + "." + signature(method);
	}

	/** A method's name and parameters, with simple names. */
	static String signature(Method method) {
		return method.getName() + "("
				+ Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
				+ ")";
	}

}
