package chat.accord.jda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.time.Duration;
import java.util.stream.Collectors;
import net.dv8tion.jda.api.entities.Guild;
import net.dv8tion.jda.api.entities.Member;
import net.dv8tion.jda.api.events.guild.member.GuildMemberJoinEvent;
import net.dv8tion.jda.api.exceptions.ErrorResponseException;
import net.dv8tion.jda.api.requests.ErrorResponse;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.utils.ChunkingFilter;
import net.dv8tion.jda.api.utils.MemberCachePolicy;
import org.junit.jupiter.api.Test;

/** Op 8 member requests (JDA's chunking and loadMembers) and the member cache. */
class MembersTest {
    private static String id(String userToken) {
        return Server.rest("GET", "/users/@me", userToken, null, 200).object().getString("id");
    }

    private static String username(String userToken) {
        return Server.rest("GET", "/users/@me", userToken, null, 200).object().getString("username");
    }

    // Discord answers a second request for all of a guild's members within 30 s with a
    // RATE_LIMITED dispatch (Accord too), which JDA 6.5 does not handle: its loadMembers would
    // time out. So each test asks for one guild's full list once.

    @Test
    void chunkingAtStartFillsTheMemberCache() throws Exception {
        Guard.install(Server.host);
        Server.Setup s = Server.bootstrap("jdachunks");
        String alice = Server.join(s, "alice");
        String bob = Server.join(s, "bob");
        Set<String> all = Set.of(s.ownerId(), s.botId(), id(alice), id(bob));

        // ChunkingFilter.ALL: JDA sends op 8 for the guild and READY waits for the chunks.
        try (Bot bot = Bot.login(s, EnumSet.of(GatewayIntent.GUILD_MEMBERS),
                b -> b.setChunkingFilter(ChunkingFilter.ALL).setMemberCachePolicy(MemberCachePolicy.ALL))) {
            Guild guild = bot.jda.getGuildById(s.guildId());
            assertEquals(all, ids(guild.getMembers()), "the member cache after chunking");
            assertEquals(4, guild.getMemberCount());

            // A member joining later arrives as GUILD_MEMBER_ADD.
            String carol = Server.join(s, "carol");
            GuildMemberJoinEvent join = bot.await(GuildMemberJoinEvent.class,
                    e -> e.getMember().getId().equals(id(carol)));
            assertEquals(s.guildId(), join.getGuild().getId());
            assertEquals(5, guild.getMemberCount());
        }

        // Without GUILD_MEMBERS nothing is sent: JDA refuses to ask, the cache holds only the bot.
        try (Bot bot = Bot.login(s, EnumSet.noneOf(GatewayIntent.class), b -> {})) {
            Guild guild = bot.jda.getGuildById(s.guildId());
            assertThrows(IllegalStateException.class, guild::loadMembers);
            assertNull(guild.getMemberById(id(alice)), "a member the bot was not sent");
        }
    }

    @Test
    void loadMembersAndPrefixSearchWithoutACache() throws Exception {
        Guard.install(Server.host);
        Server.Setup s = Server.bootstrap("jdaload");
        String alice = Server.join(s, "alice");
        String bob = Server.join(s, "bob");
        Set<String> all = Set.of(s.ownerId(), s.botId(), id(alice), id(bob));

        // No member cache: loadMembers and the prefix search go to the gateway (op 8).
        try (Bot bot = Bot.login(s, EnumSet.of(GatewayIntent.GUILD_MEMBERS),
                b -> b.setMemberCachePolicy(MemberCachePolicy.NONE))) {
            Guild guild = bot.jda.getGuildById(s.guildId());
            List<Member> loaded = guild.loadMembers().setTimeout(Duration.ofSeconds(10)).get();
            assertEquals(all, ids(loaded));
            assertEquals(4, loaded.size());
            String aliceName = username(alice);
            List<Member> found = guild.retrieveMembersByPrefix(aliceName.substring(0, 7), 10)
                    .setTimeout(Duration.ofSeconds(10)).get();
            assertEquals(Set.of(id(alice)), ids(found));
            assertEquals(List.of(), guild.retrieveMembersByPrefix("nobody-by-this-name", 10)
                    .setTimeout(Duration.ofSeconds(10)).get());
            List<Member> byId = guild.retrieveMembersByIds(id(bob), s.ownerId())
                    .setTimeout(Duration.ofSeconds(10)).get();
            assertEquals(Set.of(id(bob), s.ownerId()), ids(byId));
            // REST: a member, and a user who is not one (Unknown Member, 10007).
            assertEquals(id(bob), guild.retrieveMemberById(id(bob)).complete().getId());
            String stranger = id(Server.register("stranger"));
            ErrorResponseException e = assertThrows(ErrorResponseException.class,
                    () -> guild.retrieveMemberById(stranger).complete());
            assertEquals(ErrorResponse.UNKNOWN_MEMBER, e.getErrorResponse());
        }
    }

    private static Set<String> ids(List<Member> members) {
        return members.stream().map(Member::getId).collect(Collectors.toSet());
    }
}
