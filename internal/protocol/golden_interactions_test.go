package protocol_test

import (
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// goldenInteractionObjects are the pinned answers of applications to
// interactions: a chat-input command's deferred answer (LOADING) and its
// follow-up, a user command's answer, a component's reply and a modal
// submit's, as Discord shapes them.
func goldenInteractionObjects() []struct {
	name string
	v    any
} {
	users := func(id chat.ID) chat.User {
		if id == goldenOtherID {
			return goldenFull
		}
		return goldenUser
	}
	answer := func(m chat.Message) protocol.Message {
		m.ChannelID, m.GuildID, m.AuthorID, m.ApplicationID = goldenChannelID, goldenGuildID, goldenBotID, goldenAppID
		out := protocol.MessageObject(m, goldenBot, nil)
		out.GuildID = goldenGuildID
		protocol.SetInteraction(&out, m, users)
		return out
	}
	command := chat.InteractionMeta{ID: goldenMessageID + 100, Type: 2, UserID: goldenUserID, Name: "roll dice",
		CommandType: 1, GuildOwner: goldenGuildID}
	followUp := command
	followUp.OriginalResponseID = goldenMessageID + 101
	userCmd := chat.InteractionMeta{ID: goldenMessageID + 103, Type: 2, UserID: goldenUserID, Name: "Wave at", CommandType: 2,
		GuildOwner: goldenGuildID, TargetUserID: goldenOtherID}
	click := chat.InteractionMeta{ID: goldenMessageID + 105, Type: 3, UserID: goldenOtherID, GuildOwner: goldenGuildID,
		InteractedMessageID: goldenMessageID}
	submit := chat.InteractionMeta{ID: goldenMessageID + 107, Type: 5, UserID: goldenOtherID, GuildOwner: goldenGuildID,
		Triggering: &click}
	ref := &chat.MessageReference{MessageID: goldenMessageID, ChannelID: goldenChannelID, GuildID: goldenGuildID}
	return []struct {
		name string
		v    any
	}{
		{"message_answer_loading", answer(chat.Message{ID: goldenMessageID + 101, Type: chat.MessageChatInputCommand,
			Flags: chat.MessageFlagLoading, Interaction: &command})},
		{"message_answer_follow_up", answer(chat.Message{ID: goldenMessageID + 102, Type: chat.MessageChatInputCommand,
			Content: "rolled 4", Interaction: &followUp})},
		{"message_answer_user_command", answer(chat.Message{ID: goldenMessageID + 104, Type: chat.MessageContextMenuCommand,
			Content: "👋", Flags: 64, Interaction: &userCmd})},
		{"message_answer_component", answer(chat.Message{ID: goldenMessageID + 106, Type: chat.MessageReply,
			Content: "clicked", Reference: ref, Interaction: &click})},
		{"message_answer_modal_submit", answer(chat.Message{ID: goldenMessageID + 108, Type: chat.MessageReply,
			Content: "thanks", Reference: ref, Interaction: &submit})},
	}
}
