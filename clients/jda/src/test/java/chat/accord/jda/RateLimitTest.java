package chat.accord.jda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.dv8tion.jda.api.entities.Message;
import net.dv8tion.jda.api.entities.channel.concrete.TextChannel;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.utils.data.DataArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JDA's rate limiter against Accord's buckets: a burst that honours them, a 429 waited out. */
class RateLimitTest {
    /** burst is ACCORD_CLIENT_BURST (default 100), as for the other client suites. */
    private static final int burst = Integer.parseInt(System.getenv().getOrDefault("ACCORD_CLIENT_BURST", "100"));
    // A library that honours the bucket waits before it sends; a 429 now and
    // then (a clock edge between the reset it was told and the server's) is
    // tolerated, a library that ignores the headers gets dozens.
    private static final int max429 = 3;
    private static final List<String> rateLimitHeaders = List.of("x-ratelimit-limit", "x-ratelimit-remaining",
            "x-ratelimit-reset", "x-ratelimit-reset-after", "x-ratelimit-bucket");

    private static Server.Setup s;
    private static Bot bot;

    @BeforeAll
    static void login() throws InterruptedException {
        Guard.install(Server.host);
        s = Server.bootstrap("jdaratelimit");
        bot = Bot.login(s, EnumSet.of(GatewayIntent.GUILD_MESSAGES), b -> {});
    }

    @AfterAll
    static void logout() {
        if (bot != null) {
            bot.close();
        }
    }

    @Test
    void burstHonoursTheBucket() throws Exception {
        assertTrue(burst >= 1 && burst <= 100, "ACCORD_CLIENT_BURST: 1..100 (one history page)");
        TextChannel channel = bot.jda.getTextChannelById(s.channelId());
        // JDA keeps a route's submission order once it knows the route's
        // bucket (X-RateLimit-Bucket); requests queued before the first
        // answer told it may go out in another order (seen: 006 second).
        // One message first, as any bot's first send, so the burst below
        // tests the bucket, not that discovery.
        channel.sendMessage("jda warm-up").complete();
        List<String> texts = new ArrayList<>();
        List<CompletableFuture<Message>> sends = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
            texts.add(String.format("jda burst %03d", i));
            sends.add(channel.sendMessage(texts.get(i)).submit());
        }
        List<String> sent = new ArrayList<>();
        for (CompletableFuture<Message> f : sends) {
            sent.add(f.get(Math.max(120, 3 * burst), TimeUnit.SECONDS).getContentRaw());
        }
        assertEquals(texts, sent);

        DataArray page = Server.rest("GET", "/channels/" + s.channelId() + "/messages?limit=100", s.owner(), null, 200)
                .array();
        List<String> got = new ArrayList<>();
        List<BigInteger> ids = new ArrayList<>();
        for (int i = page.length() - 1; i >= 0; i--) {
            String content = page.getObject(i).getString("content");
            if (content.startsWith("jda burst ")) {
                got.add(content);
                ids.add(new BigInteger(page.getObject(i).getString("id")));
            }
        }
        assertEquals(texts, got, "history lacks messages or has them out of order");
        assertEquals(ids.stream().sorted().toList(), ids);

        List<Bot.Exchange> all = bot.exchanges("POST", "/api/v10/channels/" + s.channelId() + "/messages");
        List<Bot.Exchange> posts = all.subList(1, all.size()); // the burst's, without the warm-up
        long limited = posts.stream().filter(e -> e.status() == 429).count();
        System.out.printf("JDA: %d POSTs for %d messages, %d answered 429%n", posts.size(), burst, limited);
        assertEquals(burst, posts.size() - limited);
        assertTrue(limited <= max429, limited + " 429s: the library did not honour the bucket");
        Set<String> buckets = new HashSet<>();
        for (Bot.Exchange e : posts) {
            for (String h : rateLimitHeaders) {
                assertTrue(e.headers().get(h) != null, "a " + e.status() + " message create lacks " + h);
            }
            int remaining = Integer.parseInt(e.headers().get("x-ratelimit-remaining"));
            assertTrue(remaining >= 0 && remaining < Integer.parseInt(e.headers().get("x-ratelimit-limit")));
            assertTrue(Double.parseDouble(e.headers().get("x-ratelimit-reset-after")) >= 0);
            buckets.add(e.headers().get("x-ratelimit-bucket"));
            if (e.status() == 429) {
                assertTrue(e.headers().get("retry-after") != null && e.headers().get("x-ratelimit-scope") != null);
            }
        }
        assertEquals(1, buckets.size(), "one channel's message creates share one bucket, got " + buckets);
    }

    @Test
    void tooManyRequestsFromAnUnknownBucketIsWaitedOut() {
        String channelId = Server.createChannel(s, "jda-429");
        TextChannel channel = Bot.within(java.time.Duration.ofSeconds(15), "channel in the cache",
                () -> bot.jda.getTextChannelById(channelId));
        Server.exhaustBucket(channelId, s.botToken());
        Message sent = channel.sendMessage("after a 429").complete();
        assertEquals("after a 429", sent.getContentRaw());
        List<Integer> statuses = bot.exchanges("POST", "/api/v10/channels/" + channelId + "/messages").stream()
                .map(Bot.Exchange::status).toList();
        System.out.println("JDA: message create answered " + statuses);
        assertEquals(429, statuses.get(0), statuses.toString());
        assertEquals(200, statuses.get(statuses.size() - 1), statuses.toString());
        String last = Server.rest("GET", "/channels/" + channelId + "/messages?limit=1", s.owner(), null, 200)
                .array().getObject(0).getString("id");
        assertEquals(sent.getId(), last);
    }
}
