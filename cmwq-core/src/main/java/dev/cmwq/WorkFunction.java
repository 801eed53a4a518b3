package dev.cmwq;

/**
 * A work function that receives its own item, the kernel's {@code work_func_t}
 * ({@code void (*)(struct work_struct *)}). Kernel code that finds its state from the item
 * ({@code container_of}) ports line by line: the item is a subclass with the state as fields, and
 * the function casts the item it is given.
 * <pre>{@code
 * final class Port extends Work {
 *     int pending;
 *     Port() { super(w -> ((Port) w).drain()); }
 * }
 * }</pre>
 * Running it allocates nothing: the item is bound once, when it is created.
 */
@FunctionalInterface
public interface WorkFunction {
    /**
     * Runs the item's work; {@code work} is the item being run.
     *
     * @param work the item created with this function, so a subclass of {@link Work} may cast it
     *     back to its own type
     */
    void run(Work work);
}
