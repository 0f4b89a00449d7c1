package dev.sluice.autoconfigure.config;

/**
 * A bean of the application's own has the name of a configured Sluice component but is
 * not that component, so the two cannot both be what the name stands for. Explained at
 * start-up by {@code ShadowedComponentFailureAnalyzer}.
 */
public class ShadowedComponentException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String kind;

	private final String name;

	private final String property;

	private final String beanType;

	/**
	 * @param kind the kind of component, such as {@code worker pool}
	 * @param name the component's and the bean's name
	 * @param property where the component is configured, such as
	 * {@code sluice.pool.instances.mail}
	 * @param beanType the type of the application's bean
	 */
	public ShadowedComponentException(String kind, String name, String property, Class<?> beanType) {
		super("The bean named '" + name + "' hides the " + kind + " configured under " + property + " but is a "
				+ beanType.getName() + ", not that " + kind);
		this.kind = kind;
		this.name = name;
		this.property = property;
		this.beanType = beanType.getName();
	}

	public String kind() {
		return this.kind;
	}

	public String name() {
		return this.name;
	}

	public String property() {
		return this.property;
	}

	public String beanType() {
		return this.beanType;
	}

}
