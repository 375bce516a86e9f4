package chat.accord.jda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import net.dv8tion.jda.api.entities.Message;
import net.dv8tion.jda.api.entities.MessageHistory;
import net.dv8tion.jda.api.entities.channel.concrete.TextChannel;
import net.dv8tion.jda.api.events.message.MessageDeleteEvent;
import net.dv8tion.jda.api.events.message.MessageReceivedEvent;
import net.dv8tion.jda.api.events.message.MessageUpdateEvent;
import net.dv8tion.jda.api.events.user.UserTypingEvent;
import net.dv8tion.jda.api.exceptions.ErrorResponseException;
import net.dv8tion.jda.api.requests.ErrorResponse;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.utils.data.DataObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Messages through JDA's cache and REST: receive, send, edit, delete, history paging, typing. */
class MessagesTest {
    private static Server.Setup s;
    private static Bot bot;

    @BeforeAll
    static void login() throws InterruptedException {
        Guard.install(Server.host);
        s = Server.bootstrap("jdamessages");
        bot = Bot.login(s, EnumSet.of(GatewayIntent.GUILD_MESSAGES, GatewayIntent.MESSAGE_CONTENT,
                GatewayIntent.GUILD_MESSAGE_TYPING), b -> {});
    }

    @AfterAll
    static void logout() {
        if (bot != null) {
            bot.close();
        }
    }

    /** channel waits until the bot's cache has the text channel id (created over REST). */
    private static TextChannel channel(String id) {
        return Bot.within(Duration.ofSeconds(15), "channel " + id + " in the cache",
                () -> bot.jda.getTextChannelById(id));
    }

    @Test
    void receiveSendEditDelete() {
        String posted = Server.rest("POST", "/channels/" + s.channelId() + "/messages", s.owner(),
                DataObject.empty().put("content", "ping from the owner"), 200).object().getString("id");
        MessageReceivedEvent got = bot.await(MessageReceivedEvent.class, e -> e.getMessageId().equals(posted));
        assertEquals("ping from the owner", got.getMessage().getContentRaw());
        assertEquals(s.ownerId(), got.getAuthor().getId());
        assertEquals(s.channelId(), got.getChannel().getId());
        assertNotNull(got.getMember(), "a guild message carries its member");

        TextChannel channel = channel(s.channelId());
        Message sent = channel.sendMessage("pong").complete();
        assertEquals("pong", sent.getContentRaw());
        assertEquals(s.botId(), sent.getAuthor().getId());
        bot.await(MessageReceivedEvent.class, e -> e.getMessageId().equals(sent.getId()));
        assertEquals("pong", Server.rest("GET", "/channels/" + s.channelId() + "/messages/" + sent.getId(),
                s.owner(), null, 200).object().getString("content"));

        Message edited = sent.editMessage("pong, edited").complete();
        assertEquals("pong, edited", edited.getContentRaw());
        assertNotNull(edited.getTimeEdited(), "an edited message has edited_timestamp");
        MessageUpdateEvent update = bot.await(MessageUpdateEvent.class, e -> e.getMessageId().equals(sent.getId()));
        assertEquals("pong, edited", update.getMessage().getContentRaw());

        sent.delete().complete();
        bot.await(MessageDeleteEvent.class, e -> e.getMessageId().equals(sent.getId()));
        // Must not see it any more: Unknown Message (10008), mapped by JDA.
        ErrorResponseException e = assertThrows(ErrorResponseException.class,
                () -> channel.retrieveMessageById(sent.getId()).complete());
        assertEquals(ErrorResponse.UNKNOWN_MESSAGE, e.getErrorResponse());
        assertEquals(10008, e.getErrorCode());
        assertEquals(404, e.getResponse().code);
    }

    @Test
    void historyPagesBothWaysAndAround() {
        TextChannel channel = channel(Server.createChannel(s, "jda-history"));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sent.add(channel.sendMessage("h" + i).complete().getId());
        }
        // JDA's retrieved history is newest first, as Discord returns every page.
        assertEquals(reversed(sent.subList(0, 5)),
                ids(MessageHistory.getHistoryFromBeginning(channel).limit(5).complete()),
                "after=0: the oldest five, not the newest page");
        assertEquals(reversed(sent.subList(2, 5)),
                ids(MessageHistory.getHistoryAfter(channel, sent.get(1)).limit(3).complete()));
        assertEquals(reversed(sent.subList(0, 5)),
                ids(MessageHistory.getHistoryBefore(channel, sent.get(5)).limit(50).complete()),
                "before the newest: all older ones, the newest excluded");
        assertEquals(List.of(), ids(MessageHistory.getHistoryBefore(channel, sent.get(0)).complete()));
        assertEquals(List.of(), ids(MessageHistory.getHistoryAfter(channel, sent.get(5)).complete()));
        assertEquals(reversed(sent.subList(2, 5)),
                ids(MessageHistory.getHistoryAround(channel, sent.get(3)).limit(3).complete()));
        assertEquals(reversed(sent.subList(0, 2)),
                ids(MessageHistory.getHistoryAround(channel, sent.get(0)).limit(3).complete()),
                "around the oldest: it and the next newer one");
        assertEquals(reversed(sent.subList(4, 6)),
                ids(MessageHistory.getHistoryAround(channel, sent.get(5)).limit(3).complete()),
                "around the newest: it and the next older one");

        // MessageHistory pages backwards (before=) and forwards (after=) across pages of 2.
        MessageHistory back = channel.getHistory();
        List<String> pastIds = new ArrayList<>();
        for (List<Message> page = back.retrievePast(2).complete(); !page.isEmpty();
                page = back.retrievePast(2).complete()) {
            page.forEach(m -> pastIds.add(m.getId()));
        }
        assertEquals(reversed(sent), pastIds);
        MessageHistory forward = MessageHistory.getHistoryFromBeginning(channel).limit(2).complete();
        List<String> futureIds = new ArrayList<>(reversed(ids(forward)));
        for (List<Message> page = forward.retrieveFuture(2).complete(); !page.isEmpty();
                page = forward.retrieveFuture(2).complete()) {
            futureIds.addAll(reversed(page.stream().map(Message::getId).toList()));
        }
        assertEquals(sent, futureIds, "oldest first, every message once");
        // iterableHistory (newest first, lazily paged) agrees.
        assertEquals(reversed(sent), channel.getIterableHistory().takeAsync(10).join().stream()
                .map(Message::getId).toList());
    }

    @Test
    void typingArrivesAsUserTypingEvent() {
        Server.rest("POST", "/channels/" + s.channelId() + "/typing", s.owner(), null, 204);
        UserTypingEvent typing = bot.await(UserTypingEvent.class, e -> e.getUser().getId().equals(s.ownerId()));
        assertEquals(s.channelId(), typing.getChannel().getId());
        assertNotNull(typing.getMember(), "guild typing carries the member");
        // The bot types too: 204, no exception.
        channel(s.channelId()).sendTyping().complete();
    }

    private static List<String> ids(MessageHistory h) {
        return h.getRetrievedHistory().stream().map(Message::getId).toList();
    }

    private static List<String> reversed(List<String> l) {
        List<String> r = new ArrayList<>(l);
        Collections.reverse(r);
        return r;
    }
}
