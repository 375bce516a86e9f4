package chat.accord.jda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import net.dv8tion.jda.api.JDA;
import net.dv8tion.jda.api.JDABuilder;
import net.dv8tion.jda.api.entities.Guild;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.requests.RestConfig;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** The README's snippet keeps every connection on Accord; the guard catches one that leaves. */
// Isolated: it checks that every connection of the JVM goes to Accord (or holds them back).
@Isolated
class PointAtAccordTest {
    private static Guard guard;

    @BeforeAll
    static void install() {
        guard = Guard.install(Server.host);
    }

    @Test
    void guardRefusesOtherHosts() {
        int mark = guard.mark();
        OkHttpClient http = new OkHttpClient();
        Request req = new Request.Builder().url("https://discord.com/api/v10/gateway").build();
        assertThrows(IOException.class, () -> http.newCall(req).execute().close());
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("gateway.discord.gg", 443), 2000);
            }
        });
        assertEquals(Set.of("discord.com", "gateway.discord.gg"), guard.hosts(mark));
    }

    @Test
    void restConfigAloneSendsTheTokenToDiscordsGateway() throws InterruptedException {
        // What the README warns about: with only the REST base set, JDA
        // validates the token on Accord and then opens its gateway session
        // at SessionController's built-in wss://gateway.discord.gg/. The
        // guard refuses it; this test proves it would see the leak.
        Server.Setup s = Server.bootstrap("jdaleak");
        int mark = guard.mark();
        JDA jda = JDABuilder.createLight(s.botToken(), EnumSet.noneOf(GatewayIntent.class))
                .setRestConfig(new RestConfig().setBaseUrl(Server.base + "/api/v10/"))
                .build();
        try {
            Bot.within(Duration.ofSeconds(15), "a connection to gateway.discord.gg",
                    () -> guard.hosts(mark).contains("gateway.discord.gg") ? true : null);
            assertTrue(jda.getStatus() != JDA.Status.CONNECTED, "status " + jda.getStatus());
        } finally {
            jda.shutdownNow();
            jda.awaitShutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void snippetLogsInOnAccordOnly() throws InterruptedException {
        Server.Setup s = Server.bootstrap("jdaready");
        int mark = guard.mark();
        try (Bot bot = Bot.login(s, EnumSet.of(GatewayIntent.GUILD_MESSAGES), b -> {})) {
            JDA jda = bot.jda;
            assertEquals(JDA.Status.CONNECTED, jda.getStatus());
            assertEquals(s.botId(), jda.getSelfUser().getId());
            assertTrue(jda.getSelfUser().isBot());
            Guild guild = jda.getGuildById(s.guildId());
            assertNotNull(guild, "guild " + s.guildId() + " not in the cache: " + jda.getGuilds());
            assertEquals("jdaready", guild.getName());
            assertEquals(s.ownerId(), guild.getOwnerId());
            assertNotNull(guild.getTextChannelById(s.channelId()), "the guild's text channel is not in the cache");
            assertEquals(s.botId(), guild.getSelfMember().getId());
            assertEquals(2, guild.getMemberCount());
            // REST (OkHttp asks for http URLs) and the gateway's socket both went to Accord, and only there.
            assertEquals(Set.of(Server.host), guard.hosts(mark));
            assertTrue(guard.schemes(mark, Server.host).containsAll(Set.of("http", "socket")),
                    "schemes " + guard.schemes(mark, Server.host));
        }
    }

    @Test
    void gatewayURLIsAccordsGatewayBot() {
        Server.Setup s = Server.bootstrap("jdagateway");
        String want = Server.rest("GET", "/gateway/bot", "Bot " + s.botToken(), null, 200).object().getString("url");
        String got = new Accord.Gateway(Server.base, s.botToken()).getGateway();
        assertEquals(want, got);
        assertEquals(Server.host, URI.create(got).getHost());
        // A bad token gets no URL: Accord answers 401 and the controller fails, JDA never dials a default.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Accord.Gateway(Server.base, "not-a-token").getGateway());
        assertTrue(e.getMessage().contains("status 401"), e.getMessage());
    }
}
