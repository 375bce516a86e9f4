package chat.accord.jda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import net.dv8tion.jda.api.JDABuilder;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.requests.RestConfig;
import net.dv8tion.jda.api.sharding.DefaultShardManagerBuilder;
import net.dv8tion.jda.api.utils.ConcurrentSessionController;
import net.dv8tion.jda.api.utils.data.DataObject;

/**
 * Points unmodified JDA at an Accord server: the snippet the README shows.
 *
 * <p>Two settings, both needed. The REST base goes in JDA's {@link RestConfig}. The gateway URL
 * does not come from REST on its own: a {@link JDABuilder} session asks its SessionController's
 * {@code getGateway()}, whose default is Discord's built-in {@code wss://gateway.discord.gg/}, so
 * setting only the REST base would send the bot's token to Discord's real gateway. {@link
 * Gateway} answers with the URL Accord's {@code GET /gateway/bot} returns. Resuming uses READY's
 * {@code resume_gateway_url} (Accord's), and a ShardManager asks {@code /gateway/bot} through the
 * RestConfig. JDA builds CDN URLs (avatars, icons) on a fixed host with no setting to change it;
 * nothing connects there unless the bot downloads an image.
 */
public final class Accord {
    private Accord() {}

    /**
     * builder is {@code JDABuilder.createDefault(token, intents)} aimed at the Accord server at base,
     * e.g. {@code "http://127.0.0.1:8080"}.
     */
    public static JDABuilder builder(String base, String token, Collection<GatewayIntent> intents) {
        return JDABuilder.createDefault(token, intents)
                .setRestConfig(new RestConfig().setBaseUrl(base + "/api/v10/"))
                .setSessionController(new Gateway(base, token));
    }

    /**
     * shards is {@code DefaultShardManagerBuilder.createDefault(token, intents)} aimed at the Accord
     * server at base. The shard manager asks {@code /gateway/bot} through the RestConfig itself, but
     * a shard whose connection fails forgets that URL and asks its SessionController again, so both
     * settings are needed here too.
     */
    public static DefaultShardManagerBuilder shards(String base, String token, Collection<GatewayIntent> intents) {
        return DefaultShardManagerBuilder.createDefault(token, intents)
                .setRestConfig(new RestConfig().setBaseUrl(base + "/api/v10/"))
                .setSessionController(new Gateway(base, token));
    }

    /**
     * Gateway is JDA's default session controller (IDENTIFY pacing) whose gateway URL is the one
     * Accord's {@code GET /api/v10/gateway/bot} returns. JDA calls {@link #getGateway()} on each new
     * session (not on RESUME), from its own threads.
     */
    public static final class Gateway extends ConcurrentSessionController {
        private final String base;
        private final String token;
        // The JVM's proxy settings apply, as they do to JDA's OkHttp.
        private final HttpClient http = HttpClient.newBuilder()
                .proxy(ProxySelector.getDefault())
                .connectTimeout(Duration.ofSeconds(10))
                .build();

        public Gateway(String base, String token) {
            this.base = base;
            this.token = token;
        }

        @Override
        public String getGateway() {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/v10/gateway/bot"))
                    .header("Authorization", "Bot " + token)
                    .timeout(Duration.ofSeconds(10))
                    .build();
            try {
                HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() != 200) {
                    throw new IllegalStateException(
                            "GET /gateway/bot: status " + res.statusCode() + ": " + res.body());
                }
                return DataObject.fromJson(res.body()).getString("url");
            } catch (IOException e) {
                throw new UncheckedIOException("GET /gateway/bot", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("GET /gateway/bot: interrupted", e);
            }
        }
    }
}
