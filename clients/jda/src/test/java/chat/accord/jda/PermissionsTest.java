package chat.accord.jda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import net.dv8tion.jda.api.Permission;
import net.dv8tion.jda.api.entities.Guild;
import net.dv8tion.jda.api.entities.Member;
import net.dv8tion.jda.api.entities.Role;
import net.dv8tion.jda.api.entities.channel.concrete.TextChannel;
import net.dv8tion.jda.api.exceptions.ErrorResponseException;
import net.dv8tion.jda.api.exceptions.InsufficientPermissionException;
import net.dv8tion.jda.api.requests.ErrorResponse;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.requests.Route;
import net.dv8tion.jda.api.utils.data.DataObject;
import net.dv8tion.jda.internal.requests.RestActionImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Roles and permission overwrites seen through JDA's cache (getPermissions), and Accord's error
 * codes mapped by JDA to ErrorResponseException.
 */
class PermissionsTest {
    private static final long manageMessages = Permission.MESSAGE_MANAGE.getRawValue();
    private static final long sendMessages = Permission.MESSAGE_SEND.getRawValue();
    private static final long viewChannel = Permission.VIEW_CHANNEL.getRawValue();

    private static Server.Setup s;
    private static Bot bot;

    @BeforeAll
    static void login() throws InterruptedException {
        Guard.install(Server.host);
        s = Server.bootstrap("jdaperms");
        // GUILD_MEMBERS: Discord sends GUILD_MEMBER_UPDATE (the bot's new role) only with it.
        bot = Bot.login(s, EnumSet.of(GatewayIntent.GUILD_MESSAGES, GatewayIntent.GUILD_MEMBERS), b -> {});
    }

    @AfterAll
    static void logout() {
        if (bot != null) {
            bot.close();
        }
    }

    private static <T> T eventually(String what, Bot.Check<T> check) {
        return Bot.within(Duration.ofSeconds(15), what, check);
    }

    @Test
    void rolesAndOverwritesThroughTheCache() {
        Guild guild = bot.jda.getGuildById(s.guildId());
        Member self = guild.getSelfMember();
        TextChannel general = guild.getTextChannelById(s.channelId());
        assertTrue(self.hasPermission(general, Permission.VIEW_CHANNEL, Permission.MESSAGE_SEND));
        assertFalse(self.hasPermission(general, Permission.MESSAGE_MANAGE));

        // JDA cannot tell whose message an id is, so the server must refuse: 50013.
        String ownerMsg = Server.rest("POST", "/channels/" + s.channelId() + "/messages", s.owner(),
                DataObject.empty().put("content", "the owner's"), 200).object().getString("id");
        ErrorResponseException denied = assertThrows(ErrorResponseException.class,
                () -> general.deleteMessageById(ownerMsg).complete());
        assertEquals(ErrorResponse.MISSING_PERMISSIONS, denied.getErrorResponse());
        assertEquals(403, denied.getResponse().code);

        // A role with MANAGE_MESSAGES, given to the bot: the cache follows and the delete works.
        String roleId = Server.rest("POST", "/guilds/" + s.guildId() + "/roles", s.owner(),
                DataObject.empty().put("name", "jda-mod").put("permissions", Long.toString(manageMessages)), 200)
                .object().getString("id");
        Role role = eventually("role in the cache", () -> guild.getRoleById(roleId));
        assertTrue(role.hasPermission(Permission.MESSAGE_MANAGE));
        Server.rest("PUT", "/guilds/" + s.guildId() + "/members/" + s.botId() + "/roles/" + roleId, s.owner(), null,
                204);
        eventually("the role on the bot's member", () -> self.getRoles().contains(role) ? true : null);
        assertTrue(self.hasPermission(general, Permission.MESSAGE_MANAGE));
        general.deleteMessageById(ownerMsg).complete();

        // A role overwrite denying SEND_MESSAGES on a new channel: seen, and enforced by JDA locally.
        String secretId = Server.createChannel(s, "jda-secret");
        TextChannel secret = eventually("channel in the cache", () -> guild.getTextChannelById(secretId));
        Server.rest("PUT", "/channels/" + secretId + "/permissions/" + roleId, s.owner(), DataObject.empty()
                .put("type", 0).put("allow", "0").put("deny", Long.toString(sendMessages)), 204);
        eventually("the role overwrite", () -> secret.getPermissionOverride(role));
        assertTrue(self.hasPermission(secret, Permission.VIEW_CHANNEL));
        assertFalse(self.getPermissions(secret).contains(Permission.MESSAGE_SEND), self.getPermissions(secret).toString());
        InsufficientPermissionException local = assertThrows(InsufficientPermissionException.class,
                () -> secret.sendMessage("must not be sent").complete());
        assertEquals(Permission.MESSAGE_SEND, local.getPermission());
        // The server agrees: the same request outside JDA's check is refused with 50013.
        assertEquals(50013, Server.rest("POST", "/channels/" + secretId + "/messages", "Bot " + s.botToken(),
                DataObject.empty().put("content", "must not be sent"), 403).object().getInt("code"));

        // A member overwrite allowing it beats the role's deny.
        Server.rest("PUT", "/channels/" + secretId + "/permissions/" + s.botId(), s.owner(), DataObject.empty()
                .put("type", 1).put("allow", Long.toString(sendMessages)).put("deny", "0"), 204);
        eventually("the member overwrite", () -> self.hasPermission(secret, Permission.MESSAGE_SEND) ? true : null);
        assertEquals("allowed by the member overwrite", secret.sendMessage("allowed by the member overwrite")
                .complete().getContentRaw());

        // @everyone loses VIEW_CHANNEL there: the bot loses access in its cache.
        Server.rest("PUT", "/channels/" + secretId + "/permissions/" + s.guildId(), s.owner(), DataObject.empty()
                .put("type", 0).put("allow", "0").put("deny", Long.toString(viewChannel)), 204);
        eventually("access lost", () -> {
            TextChannel c = guild.getTextChannelById(secretId);
            return c == null || !self.hasAccess(c) ? true : null;
        });
    }

    @Test
    void errorCodesMapToErrorResponse() {
        // JDA checks its cache before most requests (an unknown or hidden channel is not there to
        // call), so these go through JDA's own requester with Route, as JDA's entities do, to
        // check the mapping of Accord's answers.
        ErrorResponseException unknownChannel = assertThrows(ErrorResponseException.class,
                () -> new RestActionImpl<Void>(bot.jda, Route.Channels.GET_CHANNEL.compile("1")).complete());
        assertEquals(ErrorResponse.UNKNOWN_CHANNEL, unknownChannel.getErrorResponse());
        assertEquals(404, unknownChannel.getResponse().code);

        // Another guild's channel, the bot not in it: Missing Access.
        String other = Server.rest("POST", "/guilds", s.owner(), DataObject.empty().put("name", "jda-other"), 201)
                .object().getString("id");
        String otherChannel = Server.rest("GET", "/guilds/" + other + "/channels", s.owner(), null, 200).array()
                .getObject(0).getString("id");
        ErrorResponseException missingAccess = assertThrows(ErrorResponseException.class,
                () -> new RestActionImpl<Void>(bot.jda, Route.Channels.GET_CHANNEL.compile(otherChannel)).complete());
        assertEquals(ErrorResponse.MISSING_ACCESS, missingAccess.getErrorResponse());
        assertEquals(403, missingAccess.getResponse().code);
        assertEquals(null, bot.jda.getGuildById(other), "the bot must not see a guild it is not in");

        // A form JDA would have refused locally: 50035 with the field's error.
        ErrorResponseException invalid = assertThrows(ErrorResponseException.class,
                () -> new RestActionImpl<Void>(bot.jda, Route.Messages.SEND_MESSAGE.compile(s.channelId()),
                        DataObject.empty().put("content", "x".repeat(2001))).complete());
        assertEquals(ErrorResponse.INVALID_FORM_BODY, invalid.getErrorResponse());
        assertEquals(400, invalid.getResponse().code);
        assertTrue(invalid.getSchemaErrors().stream().anyMatch(e -> e.getLocation().equals("content")),
                "schema errors " + invalid.getSchemaErrors());
    }
}
