package dev.cmwq;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A table of bad-input cases for a parameterized test: each names the call, the exception it must
 * get, and the text its message must contain. Shared by the idiomatic and the Linux API's tests.
 */
public final class BadInputCases {
    private final List<Arguments> cases = new ArrayList<>();

    /** The call must throw NullPointerException naming {@code param}. */
    public void npe(String call, String param, ThrowingCallable c) {
        cases.add(Arguments.of(Named.of(call, c), NullPointerException.class, param));
    }

    /** The call must throw IllegalArgumentException naming {@code value}. */
    public void iae(String call, String value, ThrowingCallable c) {
        cases.add(Arguments.of(Named.of(call, c), IllegalArgumentException.class, value));
    }

    /** The call must throw IllegalStateException mentioning {@code mention}. */
    public void ise(String call, String mention, ThrowingCallable c) {
        cases.add(Arguments.of(Named.of(call, c), IllegalStateException.class, mention));
    }

    /** The call must throw RejectedExecutionException mentioning {@code mention} (the refusing queue or service). */
    public void ree(String call, String mention, ThrowingCallable c) {
        cases.add(Arguments.of(Named.of(call, c), java.util.concurrent.RejectedExecutionException.class, mention));
    }

    public Stream<Arguments> stream() {
        return cases.stream();
    }

    /**
     * Runs {@code call} and checks it threw {@code type} with a message naming {@code mentions}
     * (for a NullPointerException: "<param> is null in <call>"), and that {@code snapshot} reads the
     * same before and after: a refused call changes nothing.
     */
    public static void assertRejected(ThrowingCallable call, Class<? extends Throwable> type, String mentions,
            java.util.function.Supplier<String> snapshot) {
        String before = snapshot.get();
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        org.assertj.core.api.Assertions.assertThat(thrown).isInstanceOf(type);
        if (type == NullPointerException.class) {
            org.assertj.core.api.Assertions.assertThat(thrown.getMessage()).as("names the parameter and the call")
                    .matches(java.util.regex.Pattern.quote(mentions) + " is null (in (new )?[\\w.]+\\(.*\\).*|\\(.+\\))");
        } else {
            org.assertj.core.api.Assertions.assertThat(thrown).hasMessageContaining(mentions);
        }
        org.assertj.core.api.Assertions.assertThat(snapshot.get()).as("state after the call").isEqualTo(before);
    }

    /** A snapshot of the queues' limits and lifetime, to check that a refused call changed nothing. */
    public static String describe(List<Workqueue> queues) {
        StringBuilder sb = new StringBuilder();
        for (Workqueue wq : queues) {
            sb.append(wq.name()).append(" max=").append(wq.maxActive()).append(" min=").append(wq.minActive())
                    .append(" destroyed=").append(wq.isDestroyed()).append('\n');
        }
        return sb.toString();
    }
}
