package chat.accord.jda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import net.dv8tion.jda.api.utils.data.DataArray;
import net.dv8tion.jda.api.utils.data.DataObject;

/**
 * Server is the Accord server the suite talks to (ACCORD_URL; scripts/test-jda starts one) and a
 * REST client for it outside JDA, used to bootstrap an owner, a guild and a bot and to act as
 * other users. Safe for concurrent use.
 */
final class Server {
    static final String base = baseURL();
    static final String host = URI.create(base).getHost();

    private static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final SecureRandom random = new SecureRandom();

    private Server() {}

    private static String baseURL() {
        String url = System.getenv("ACCORD_URL");
        if (url == null || url.isEmpty()) {
            throw new IllegalStateException(
                    "ACCORD_URL is not set: run scripts/test-jda, or start `accord serve` and export ACCORD_URL");
        }
        return url.replaceAll("/+$", "");
    }

    /** Response is a REST answer: its status, headers and body text. */
    record Response(int status, HttpHeaders headers, String body) {
        DataObject object() {
            return DataObject.fromJson(body);
        }

        DataArray array() {
            return DataArray.fromJson(body);
        }
    }

    /** call sends method path (under /api/v10) with token and a JSON body (null for none). */
    static Response call(String method, String path, String token, DataObject body) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/api/v10" + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            req.header("Content-Type", "application/json");
        }
        if (token != null) {
            req.header("Authorization", token);
        }
        try {
            HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(res.statusCode(), res.headers(), res.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + ": interrupted", e);
        }
    }

    /** rest is call failing unless the status is want. */
    static Response rest(String method, String path, String token, DataObject body, int want) {
        Response res = call(method, path, token, body);
        if (res.status() != want) {
            throw new AssertionError(
                    method + " " + path + ": status " + res.status() + ", want " + want + ": " + res.body());
        }
        return res;
    }

    /** Setup is what bootstrap made: an owner (user token), their guild and its text channel, a bot. */
    record Setup(String owner, String ownerId, String guildId, String channelId, String botId, String botToken) {}

    /** register creates a user named name plus a random suffix and returns its token. */
    static String register(String name) {
        String username = name + "_" + HexFormat.of().formatHex(randomBytes(4));
        return rest("POST", "/auth/register", null,
                DataObject.empty().put("username", username).put("password", "correct horse battery staple"), 201)
                .object().getString("token");
    }

    /** bootstrap registers an owner, creates their guild, and adds a new bot to it. */
    static Setup bootstrap(String name) {
        String owner = register(name);
        String ownerId = rest("GET", "/users/@me", owner, null, 200).object().getString("id");
        String guildId = rest("POST", "/guilds", owner, DataObject.empty().put("name", name), 201)
                .object().getString("id");
        DataArray channels = rest("GET", "/guilds/" + guildId + "/channels", owner, null, 200).array();
        String channelId = null;
        for (int i = 0; i < channels.length(); i++) {
            if (channels.getObject(i).getInt("type") == 0) {
                channelId = channels.getObject(i).getString("id");
                break;
            }
        }
        if (channelId == null) {
            throw new AssertionError("the new guild has no text channel: " + channels);
        }
        DataObject app = rest("POST", "/applications", owner, DataObject.empty().put("name", name + "-bot"), 201)
                .object();
        String botToken = rest("POST", "/applications/" + app.getString("id") + "/bot/reset-token", owner, null, 200)
                .object().getString("token");
        rest("POST", "/oauth2/authorize?client_id=" + app.getString("id") + "&scope=bot&permissions=0", owner,
                DataObject.empty().put("guild_id", guildId).put("authorize", true), 200);
        return new Setup(owner, ownerId, guildId, channelId, app.getObject("bot").getString("id"), botToken);
    }

    /** join registers a user named name, joins it to the guild through an invite, and returns its token. */
    static String join(Setup s, String name) {
        String code = rest("POST", "/channels/" + s.channelId() + "/invites", s.owner(), DataObject.empty(), 200)
                .object().getString("code");
        String token = register(name);
        rest("POST", "/invites/" + code, token, null, 200);
        return token;
    }

    /** createChannel creates a text channel named name in s's guild as the owner and returns its id. */
    static String createChannel(Setup s, String name) {
        return rest("POST", "/guilds/" + s.guildId() + "/channels", s.owner(), DataObject.empty().put("name", name), 201)
                .object().getString("id");
    }

    /**
     * exhaustBucket sends messages as the bot, outside JDA, until the channel's message bucket
     * answers 429, checks the 429 has Discord's shape, and returns it.
     */
    static Response exhaustBucket(String channelId, String botToken) {
        for (int i = 0; i < 20; i++) {
            Response res = call("POST", "/channels/" + channelId + "/messages", "Bot " + botToken,
                    DataObject.empty().put("content", "out of band " + i));
            if (res.status() == 429) {
                DataObject body = res.object();
                if (!(body.getDouble("retry_after") > 0 && !body.getBoolean("global"))) {
                    throw new AssertionError("429 body " + res.body());
                }
                for (String h : new String[] {"retry-after", "x-ratelimit-scope", "x-ratelimit-bucket"}) {
                    if (res.headers().firstValue(h).isEmpty()) {
                        throw new AssertionError("the 429 lacks " + h);
                    }
                }
                return res;
            }
            if (res.status() != 200) {
                throw new AssertionError("out-of-band message: status " + res.status() + ": " + res.body());
            }
        }
        throw new AssertionError("20 messages at once and no 429: the channel's message bucket is not limited");
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
