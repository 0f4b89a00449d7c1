package dev.sluice.autoconfigure.guard;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * A guarded method's fallback: a method of the same class, found by name, that takes the
 * guarded method's parameters, optionally followed by the refusal, and returns what the
 * guarded method returns. Resolved once, when the application starts, so that a fallback
 * that does not fit stops start-up instead of failing the first refused call.
 */
final class Fallback {

	private final Method method;

	private final boolean takesRefusal;

	private Fallback(Method method, boolean takesRefusal) {
		ReflectionUtils.makeAccessible(method);
		this.method = method;
		this.takesRefusal = takesRefusal;
	}

	/**
	 * The fallback of a guarded method.
	 * @param kind the guard, for its refusal type and messages
	 * @param guarded the guarded method
	 * @param targetClass the class of the bean, where the fallback is looked for (it may
	 * be declared in a superclass)
	 * @param name the fallback's name
	 * @throws GuardConfigurationException if there is no such method, or two, or it
	 * returns something else
	 */
	static Fallback resolve(GuardKind<?, ?> kind, Method guarded, Class<?> targetClass, String name) {
		String where = GuardConfigurationException.describe(targetClass, guarded);
		Class<?>[] parameters = guarded.getParameterTypes();
		Method[] named = ReflectionUtils.getUniqueDeclaredMethods(targetClass,
				(candidate) -> candidate.getName().equals(name) && !candidate.isBridge());
		List<Method> plain = new ArrayList<>();
		List<Method> withRefusal = new ArrayList<>();
		for (Method candidate : named) {
			Class<?>[] types = candidate.getParameterTypes();
			if (Arrays.equals(types, parameters)) {
				plain.add(candidate);
			}
			else if (types.length == parameters.length + 1
					&& Arrays.equals(Arrays.copyOf(types, parameters.length), parameters)
					&& types[parameters.length].isAssignableFrom(kind.refusal())) {
				withRefusal.add(candidate);
			}
		}
		String shapes = "'" + name + "(" + simpleNames(parameters) + ")' or '" + name + "(" + simpleNames(parameters)
				+ ((parameters.length > 0) ? ", " : "") + kind.refusal().getSimpleName() + ")'";
		if (plain.isEmpty() && withRefusal.isEmpty()) {
			String found = (named.length == 0) ? targetClass.getSimpleName() + " has no method named '" + name + "'"
					: "the methods named '" + name + "' take other parameters: "
							+ Arrays.stream(named)
								.map(GuardConfigurationException::signature)
								.collect(Collectors.joining(", "));
			throw new GuardConfigurationException(kind.written(), where, null,
					"names fallback method '" + name + "', which does not fit: " + found,
					"Declare " + shapes + " in " + targetClass.getSimpleName() + " (the last parameter may be any"
							+ " supertype of " + kind.refusal().getSimpleName() + "), returning "
							+ guarded.getReturnType().getSimpleName() + ", or correct fallbackMethod");
		}
		if (plain.size() + withRefusal.size() > 1) {
			List<Method> all = new ArrayList<>(plain);
			all.addAll(withRefusal);
			throw new GuardConfigurationException(kind.written(), where, null, "names fallback method '" + name
					+ "', which fits more than one method: "
					+ all.stream().map(GuardConfigurationException::signature).collect(Collectors.joining(", ")),
					"Keep one of them, or rename the others");
		}
		boolean takesRefusal = plain.isEmpty();
		Method fallback = takesRefusal ? withRefusal.get(0) : plain.get(0);
		if (!ClassUtils.isAssignable(guarded.getReturnType(), fallback.getReturnType())
				|| (guarded.getReturnType() == void.class) != (fallback.getReturnType() == void.class)) {
			throw new GuardConfigurationException(kind.written(), where, null,
					"names fallback method '" + GuardConfigurationException.signature(fallback) + "', which returns "
							+ fallback.getReturnType().getSimpleName() + " where the guarded method returns "
							+ guarded.getReturnType().getSimpleName(),
					"Make the fallback return " + guarded.getReturnType().getSimpleName()
							+ " (or a subtype), as the guarded method does");
		}
		return new Fallback(fallback, takesRefusal);
	}

	private static String simpleNames(Class<?>[] types) {
		return Arrays.stream(types).map(Class::getSimpleName).collect(Collectors.joining(", "));
	}

	/** What the fallback returns, or what it throws, unwrapped from reflection. */
	@Nullable Object invoke(@Nullable Object target, @Nullable Object[] arguments, RuntimeException refusal) throws Throwable {
		@Nullable Object[] passed = arguments;
		if (this.takesRefusal) {
			passed = Arrays.copyOf(arguments, arguments.length + 1);
			passed[arguments.length] = refusal;
		}
		try {
			return this.method.invoke(Modifier.isStatic(this.method.getModifiers()) ? null : target, passed);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	@Override
	public String toString() {
		return GuardConfigurationException.signature(this.method);
	}

}
