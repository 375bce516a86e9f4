package chat.accord.jda;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import net.dv8tion.jda.api.JDA;
import net.dv8tion.jda.api.JDABuilder;
import net.dv8tion.jda.api.events.GenericEvent;
import net.dv8tion.jda.api.hooks.EventListener;
import net.dv8tion.jda.api.requests.GatewayIntent;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * Bot is a JDA session logged in through {@link Accord#builder} (the README's snippet) with a
 * recorder of every HTTP response and every event. Safe for concurrent use.
 */
final class Bot implements AutoCloseable {
    /** Exchange is one HTTP response JDA's REST client received. */
    record Exchange(String method, String path, int status, okhttp3.Headers headers) {}

    final JDA jda;
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final List<GenericEvent> events = new CopyOnWriteArrayList<>();

    private Bot(Server.Setup s, Collection<GatewayIntent> intents, Consumer<JDABuilder> configure)
            throws InterruptedException {
        Interceptor record = chain -> {
            okhttp3.Response res = chain.proceed(chain.request());
            exchanges.add(new Exchange(chain.request().method(), chain.request().url().encodedPath(), res.code(),
                    res.headers()));
            return res;
        };
        EventListener listen = events::add;
        JDABuilder b = Accord.builder(Server.base, s.botToken(), intents)
                .setHttpClientBuilder(new OkHttpClient.Builder().addNetworkInterceptor(record))
                .addEventListeners(listen);
        configure.accept(b);
        jda = b.build();
        try {
            jda.awaitReady();
        } catch (InterruptedException | RuntimeException e) {
            jda.shutdownNow();
            throw e;
        }
    }

    /** login logs s's bot in with intents, configure's further settings, and waits for READY. */
    static Bot login(Server.Setup s, Collection<GatewayIntent> intents, Consumer<JDABuilder> configure)
            throws InterruptedException {
        return new Bot(s, intents, configure);
    }

    /** exchanges are the responses so far to method on path (e.g. /api/v10/channels/1/messages). */
    List<Exchange> exchanges(String method, String path) {
        List<Exchange> out = new ArrayList<>();
        for (Exchange e : exchanges) {
            if (e.method().equals(method) && e.path().equals(path)) {
                out.add(e);
            }
        }
        return out;
    }

    /** await polls until an event of type matching p has arrived and returns the first. */
    <T extends GenericEvent> T await(Class<T> type, Predicate<T> p) {
        return within(Duration.ofSeconds(15), "a " + type.getSimpleName(), () -> {
            for (GenericEvent e : events) {
                if (type.isInstance(e) && p.test(type.cast(e))) {
                    return type.cast(e);
                }
            }
            return null;
        });
    }

    /** count is the number of events of type so far. */
    long count(Class<? extends GenericEvent> type) {
        return events.stream().filter(type::isInstance).count();
    }

    /** Check is a condition polled by within: null while not yet true. */
    interface Check<T> {
        T get() throws IOException;
    }

    /** within polls check every 20 ms until it returns non-null, failing after total. */
    static <T> T within(Duration total, String what, Check<T> check) {
        long deadline = System.nanoTime() + total.toNanos();
        while (true) {
            T v;
            try {
                v = check.get();
            } catch (IOException e) {
                throw new AssertionError(what, e);
            }
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + total);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    @Override
    public void close() {
        jda.shutdown();
        try {
            if (jda.awaitShutdown(Duration.ofSeconds(10))) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        jda.shutdownNow();
    }
}
