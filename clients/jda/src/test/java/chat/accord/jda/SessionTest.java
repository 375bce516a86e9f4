package chat.accord.jda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.dv8tion.jda.api.JDA;
import net.dv8tion.jda.api.events.message.MessageReceivedEvent;
import net.dv8tion.jda.api.events.session.SessionDisconnectEvent;
import net.dv8tion.jda.api.events.session.SessionRecreateEvent;
import net.dv8tion.jda.api.events.session.SessionResumeEvent;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.sharding.ShardManager;
import net.dv8tion.jda.api.utils.data.DataObject;
import net.dv8tion.jda.internal.JDAImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** Reconnect with RESUME and replay; two shards through the snippet's shard manager. */
// Isolated: it checks that every connection of the JVM goes to Accord (or holds them back).
@Isolated
class SessionTest {
    @Test
    void resumeReplaysWhatWasMissed() throws InterruptedException {
        Guard guard = Guard.install(Server.host);
        Server.Setup s = Server.bootstrap("jdaresume");
        int mark = guard.mark();
        try (Bot bot = Bot.login(s, EnumSet.of(GatewayIntent.GUILD_MESSAGES, GatewayIntent.MESSAGE_CONTENT), b -> {})) {
            // JDA has no public way to drop its connection; its WebSocketClient closes with a
            // code other than 1000 and then resumes, as after a network failure. The guard holds
            // new sockets back until messages were posted, so they must come by RESUME's replay.
            int refused = guard.refusals(Server.host);
            guard.hold(true);
            List<String> missed = new ArrayList<>();
            try {
                ((JDAImpl) bot.jda).getClient().close(4000);
                bot.await(SessionDisconnectEvent.class, e -> true);
                for (int i = 0; i < 3; i++) {
                    missed.add(Server.rest("POST", "/channels/" + s.channelId() + "/messages", s.owner(),
                            DataObject.empty().put("content", "missed " + i), 200).object().getString("id"));
                }
                Bot.within(Duration.ofSeconds(10), "a refused reconnect",
                        () -> guard.refusals(Server.host) > refused ? true : null);
            } finally {
                guard.hold(false);
            }
            bot.await(SessionResumeEvent.class, e -> true);
            for (String id : missed) {
                MessageReceivedEvent e = bot.await(MessageReceivedEvent.class, m -> m.getMessageId().equals(id));
                assertTrue(e.getMessage().getContentRaw().startsWith("missed "));
            }
            assertEquals(JDA.Status.CONNECTED, bot.jda.getStatus());
            assertEquals(0, bot.count(SessionRecreateEvent.class), "a new session instead of RESUME");
            assertEquals(Set.of(Server.host), guard.hosts(mark));
        }
    }

    @Test
    void twoShardsSplitTheGuilds() throws InterruptedException {
        Guard guard = Guard.install(Server.host);
        Server.Setup s = Server.bootstrap("jdashards");
        // Three more guilds of the owner's with the bot in them: with four, both shards most likely get one.
        List<String> guilds = new ArrayList<>(List.of(s.guildId()));
        String app = applicationOf(s);
        for (int i = 0; i < 3; i++) {
            String g = Server.rest("POST", "/guilds", s.owner(), DataObject.empty().put("name", "jdashards" + i), 201)
                    .object().getString("id");
            Server.rest("POST", "/oauth2/authorize?client_id=" + app + "&scope=bot&permissions=0",
                    s.owner(), DataObject.empty().put("guild_id", g).put("authorize", true), 200);
            guilds.add(g);
        }
        int mark = guard.mark();
        ShardManager shards = Accord.shards(Server.base, s.botToken(), EnumSet.of(GatewayIntent.GUILD_MESSAGES))
                .setShardsTotal(2)
                .build();
        try {
            // The second shard starts after the first has identified (max_concurrency 1).
            for (int k = 0; k < 2; k++) {
                int id = k;
                Bot.within(Duration.ofSeconds(30), "shard " + k, () -> shards.getShardById(id)).awaitReady();
            }
            assertEquals(2, shards.getShardsTotal());
            for (String g : guilds) {
                int want = new BigInteger(g).shiftRight(22).mod(BigInteger.TWO).intValue();
                for (int k = 0; k < 2; k++) {
                    JDA shard = shards.getShardById(k);
                    assertNotNull(shard);
                    assertEquals(k == want, shard.getGuildById(g) != null,
                            "guild " + g + " on shard " + k + ", want shard " + want);
                }
            }
            System.out.printf("JDA: shard 0 has %d guilds, shard 1 has %d%n",
                    shards.getShardById(0).getGuilds().size(), shards.getShardById(1).getGuilds().size());
            assertEquals(Set.of(Server.host), guard.hosts(mark));
        } finally {
            shards.shutdown();
        }
    }

    /** applicationOf is the id of the application whose bot s has. */
    private static String applicationOf(Server.Setup s) {
        return Server.rest("GET", "/oauth2/applications/@me", "Bot " + s.botToken(), null, 200).object()
                .getString("id");
    }
}
