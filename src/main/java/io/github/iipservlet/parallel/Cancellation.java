package io.github.iipservlet.parallel;

import java.util.function.BooleanSupplier;

/**
 * Whether the request a thread is working for still wants its answer. The web layer sets a check
 * for each request (is the client's connection still open?); long renders call {@link #check}
 * between bands, and {@link Workers} checks before each chunk on behalf of the thread that asked,
 * so a render whose client has gone stops instead of running to the end for nobody.
 */
public final class Cancellation {
    private static final BooleanSupplier NEVER = () -> false;
    /** Set for the duration of one request on its thread, and always removed after it. */
    private static final ThreadLocal<BooleanSupplier> CURRENT = new ThreadLocal<>();

    /** The work was stopped because nobody wants its result any more. */
    public static final class Cancelled extends RuntimeException {
        public Cancelled() {
            super("the client has gone", null, false, false);
        }
    }

    private Cancellation() {
    }

    /**
     * Makes {@code gone} this thread's check until the returned scope is closed (use it in a
     * try-with-resources: the thread's previous check, usually none, comes back).
     */
    public static Scope watch(BooleanSupplier gone) {
        BooleanSupplier previous = CURRENT.get();
        CURRENT.set(gone);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** The time a check is in force. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** This thread's check (never cancelled when none was set). */
    public static BooleanSupplier current() {
        BooleanSupplier s = CURRENT.get();
        return s == null ? NEVER : s;
    }

    /** @throws Cancelled when this thread's request no longer wants its answer */
    public static void check() {
        if (current().getAsBoolean()) {
            throw new Cancelled();
        }
    }
}
