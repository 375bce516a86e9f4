package api

import (
	"net/http"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/ratelimit"
)

// buckets tags the routes whose rate limit is a named bucket of package
// ratelimit (routes sharing a name share the bucket); every other route is
// a bucket of its own with ratelimit's default route limit.
var buckets = map[string]string{
	"POST /auth/login":                                    ratelimit.BucketLogin,
	"POST /auth/register":                                 ratelimit.BucketRegister,
	"POST /channels/{channel_id}/messages":                ratelimit.BucketMessageCreate,
	"DELETE /channels/{channel_id}/messages/{message_id}": ratelimit.BucketMessageDelete,
	"POST /channels/{channel_id}/messages/bulk-delete":    ratelimit.BucketBulkDelete,
	"POST /channels/{channel_id}/typing":                  ratelimit.BucketTyping,
	// Reacting: Discord's one per 0.25 s per channel.
	"PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me":          ratelimit.BucketReactions,
	"DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me":       ratelimit.BucketReactions,
	"DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}": ratelimit.BucketReactions,
	"DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}":           ratelimit.BucketReactions,
	"POST /attachments/refresh-urls":                                                  ratelimit.BucketAttachmentRefresh,
}

// bodyLimits caps the bodies of routes that need far less than
// Config.MaxBodyBytes (1 MiB by default), so that they refuse a large body
// (413 / 40005) before reading it whole. Routes whose fields have limits
// of their own (logins, profiles, messages) keep the general cap: there a
// long field gets its 50035 field error, which says more than a 413.
var bodyLimits = map[string]int64{
	"POST /channels/{channel_id}/typing":               1 << 10,  // no body at all on Discord
	"POST /channels/{channel_id}/messages/bulk-delete": 16 << 10, // at most 100 IDs
}

func (h *Handler) routes() {
	// Bootstrap (shared/DESIGN.md "The public contract").
	h.handle("POST", "/auth/register", noAuth, h.register)
	h.handle("POST", "/auth/login", noAuth, h.login)
	h.handle("POST", "/applications", withAuth, h.createApplication)
	h.handle("GET", "/applications/@me", withAuth, h.getMyApplication)
	// discord.py's login fetches the application here.
	h.handle("GET", "/oauth2/applications/@me", withAuth, h.getMyApplication)
	h.handle("PATCH", "/applications/@me", withAuth, h.editMyApplication)
	h.handle("POST", "/applications/{app_id}/bot/reset-token", withAuth, h.resetBotToken)
	h.handle("POST", "/oauth2/authorize", withAuth, h.authorizeBot)
	h.handle("POST", "/channels/{channel_id}/invites", withAuth, h.createInvite)
	h.handle("GET", "/channels/{channel_id}/invites", withAuth, h.listChannelInvites)
	h.handle("GET", "/guilds/{guild_id}/invites", withAuth, h.listGuildInvites)
	h.handle("GET", "/invites/{code}", noAuth, h.getInvite)
	h.handle("DELETE", "/invites/{code}", withAuth, h.deleteInvite)
	h.handle("POST", "/invites/{code}", withAuth, h.acceptInvite)

	// Users.
	h.handle("GET", "/users/@me", withAuth, h.getMe)
	h.handle("PATCH", "/users/@me", withAuth, h.editMe)
	h.handle("GET", "/users/@me/guilds", withAuth, h.myGuilds)
	h.handle("DELETE", "/users/@me/guilds/{guild_id}", withAuth, h.leaveGuild)
	h.handle("GET", "/users/@me/guilds/{guild_id}/member", withAuth, h.getMyMember)
	h.handle("GET", "/users/{user_id}", withAuth, h.getUser)
	// Private channels and relationships (dms.go).
	h.handle("GET", "/users/@me/channels", withAuth, h.listDMs)
	h.handle("POST", "/users/@me/channels", withAuth, h.createDM)
	h.handle("PUT", "/channels/{channel_id}/recipients/{user_id}", withAuth, h.addRecipient)
	h.handle("DELETE", "/channels/{channel_id}/recipients/{user_id}", withAuth, h.removeRecipient)
	h.handle("GET", "/users/@me/relationships", withAuth, h.listRelationships)
	h.handle("POST", "/users/@me/relationships", withAuth, h.friendRequestByName)
	h.handle("PUT", "/users/@me/relationships/{user_id}", withAuth, h.putRelationship)
	h.handle("DELETE", "/users/@me/relationships/{user_id}", withAuth, h.deleteRelationship)
	h.handle("GET", "/users/{user_id}/profile", withAuth, h.getUserProfile)

	// Guilds.
	h.handle("POST", "/guilds", withAuth, h.createGuild)
	h.handle("GET", "/guilds/{guild_id}", withAuth, h.getGuild)
	h.handle("PATCH", "/guilds/{guild_id}", withAuth, h.editGuild)
	h.handle("DELETE", "/guilds/{guild_id}", withAuth, h.deleteGuild)
	h.handle("GET", "/guilds/{guild_id}/preview", withAuth, h.guildPreview)
	h.handle("GET", "/guilds/{guild_id}/channels", withAuth, h.listChannels)
	h.handle("POST", "/guilds/{guild_id}/channels", withAuth, h.createChannel)
	h.handle("PATCH", "/guilds/{guild_id}/channels", withAuth, h.moveChannels)
	h.handle("GET", "/guilds/{guild_id}/members", withAuth, h.listMembers)
	h.handle("PATCH", "/guilds/{guild_id}/members/@me", withAuth, h.editMyMember)
	// More specific than {user_id}, so the mux never reads "search" as an ID.
	h.handle("GET", "/guilds/{guild_id}/members/search", withAuth, h.searchMembers)
	h.handle("GET", "/guilds/{guild_id}/members/{user_id}", withAuth, h.getMember)
	h.handle("PATCH", "/guilds/{guild_id}/members/{user_id}", withAuth, h.editMember)
	h.handle("DELETE", "/guilds/{guild_id}/members/{user_id}", withAuth, h.kickMember)
	h.handle("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", withAuth, h.addMemberRole)
	h.handle("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", withAuth, h.removeMemberRole)
	h.handle("GET", "/guilds/{guild_id}/roles", withAuth, h.listRoles)
	h.handle("POST", "/guilds/{guild_id}/roles", withAuth, h.createRole)
	h.handle("PATCH", "/guilds/{guild_id}/roles", withAuth, h.moveRoles)
	h.handle("GET", "/guilds/{guild_id}/roles/{role_id}", withAuth, h.getRole)
	h.handle("PATCH", "/guilds/{guild_id}/roles/{role_id}", withAuth, h.editRole)
	h.handle("DELETE", "/guilds/{guild_id}/roles/{role_id}", withAuth, h.deleteRole)
	// Moderation (moderation.go).
	h.handle("GET", "/guilds/{guild_id}/bans", withAuth, h.listBans)
	h.handle("GET", "/guilds/{guild_id}/bans/{user_id}", withAuth, h.getBan)
	h.handle("PUT", "/guilds/{guild_id}/bans/{user_id}", withAuth, h.createBan)
	h.handle("DELETE", "/guilds/{guild_id}/bans/{user_id}", withAuth, h.removeBan)
	h.handle("POST", "/guilds/{guild_id}/bulk-ban", withAuth, h.bulkBan)
	h.handle("GET", "/guilds/{guild_id}/audit-logs", withAuth, h.auditLog)
	// Custom emoji (emojis.go).
	h.handle("GET", "/guilds/{guild_id}/emojis", withAuth, h.listEmojis)
	h.handle("POST", "/guilds/{guild_id}/emojis", withAuth, h.createEmoji)
	h.handle("GET", "/guilds/{guild_id}/emojis/{emoji_id}", withAuth, h.getEmoji)
	h.handle("PATCH", "/guilds/{guild_id}/emojis/{emoji_id}", withAuth, h.editEmoji)
	h.handle("DELETE", "/guilds/{guild_id}/emojis/{emoji_id}", withAuth, h.deleteEmoji)

	// Auto-moderation rules (automod.go).
	h.handle("GET", "/guilds/{guild_id}/auto-moderation/rules", withAuth, h.listAutoModRules)
	h.handle("POST", "/guilds/{guild_id}/auto-moderation/rules", withAuth, h.createAutoModRule)
	h.handle("GET", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", withAuth, h.getAutoModRule)
	h.handle("PATCH", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", withAuth, h.editAutoModRule)
	h.handle("DELETE", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", withAuth, h.deleteAutoModRule)

	// Channels.
	h.handle("GET", "/channels/{channel_id}", withAuth, h.getChannel)
	h.handle("PATCH", "/channels/{channel_id}", withAuth, h.editChannel)
	h.handle("DELETE", "/channels/{channel_id}", withAuth, h.deleteChannel)
	h.handle("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", withAuth, h.putOverwrite)
	h.handle("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", withAuth, h.deleteOverwrite)
	h.handle("POST", "/channels/{channel_id}/typing", withAuth, h.typing)

	// Threads, forum posts and announcement follows (threads.go).
	h.handle("POST", "/channels/{channel_id}/threads", withAuth, h.startThread)
	h.handle("POST", "/channels/{channel_id}/messages/{message_id}/threads", withAuth, h.startThreadFromMessage)
	h.handle("PUT", "/channels/{channel_id}/thread-members/@me", withAuth, channelNoContent(h.guilds.JoinThread))
	h.handle("DELETE", "/channels/{channel_id}/thread-members/@me", withAuth, channelNoContent(h.guilds.LeaveThread))
	h.handle("PUT", "/channels/{channel_id}/thread-members/{user_id}", withAuth, threadMemberNoContent(h.guilds.AddThreadMember))
	h.handle("DELETE", "/channels/{channel_id}/thread-members/{user_id}", withAuth, threadMemberNoContent(h.guilds.RemoveThreadMember))
	h.handle("GET", "/channels/{channel_id}/thread-members/{user_id}", withAuth, h.getThreadMember)
	h.handle("GET", "/channels/{channel_id}/thread-members", withAuth, h.listThreadMembers)
	h.handle("GET", "/guilds/{guild_id}/threads/active", withAuth, h.activeThreads)
	h.handle("GET", "/channels/{channel_id}/threads/archived/public", withAuth, h.archivedThreads(false, false))
	h.handle("GET", "/channels/{channel_id}/threads/archived/private", withAuth, h.archivedThreads(true, false))
	h.handle("GET", "/channels/{channel_id}/users/@me/threads/archived/private", withAuth, h.archivedThreads(true, true))
	h.handle("POST", "/channels/{channel_id}/followers", withAuth, h.followChannel)
	h.handle("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", withAuth, h.crosspost)

	// Messages.
	h.handle("GET", "/channels/{channel_id}/messages", withAuth, h.listMessages)
	h.handle("POST", "/channels/{channel_id}/messages", withAuth, h.createMessage)
	h.handle("POST", "/channels/{channel_id}/messages/bulk-delete", withAuth, h.bulkDelete)
	h.handle("GET", "/channels/{channel_id}/messages/{message_id}", withAuth, h.getMessage)
	h.handle("PATCH", "/channels/{channel_id}/messages/{message_id}", withAuth, h.editMessage)
	h.handle("DELETE", "/channels/{channel_id}/messages/{message_id}", withAuth, h.deleteMessage)
	h.handle("POST", "/attachments/refresh-urls", withAuth, h.refreshURLs)
	h.handle("POST", "/channels/{channel_id}/messages/{message_id}/ack", withAuth, h.ackMessage)

	// Reactions (reactions.go) and pins (pins.go). DELETE .../reactions
	// and the unpin route share one pattern (see messageSubresource).
	h.handle("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", withAuth, h.addReaction)
	h.handle("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", withAuth, h.removeOwnReaction)
	h.handle("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", withAuth, h.removeUserReaction)
	h.handle("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", withAuth, h.listReactionUsers)
	h.handle("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", withAuth, h.clearEmojiReactions)
	h.handle("DELETE", "/channels/{channel_id}/messages/{message_id}/{sub}", withAuth, h.messageSubresource)
	h.handle("GET", "/channels/{channel_id}/messages/pins", withAuth, h.listPins)
	h.handle("PUT", "/channels/{channel_id}/messages/pins/{message_id}", withAuth, h.pinMessage)
	h.handle("GET", "/channels/{channel_id}/pins", withAuth, h.listPinnedMessages)
	h.handle("PUT", "/channels/{channel_id}/pins/{message_id}", withAuth, h.pinMessage)
	h.handle("DELETE", "/channels/{channel_id}/pins/{message_id}", withAuth, h.unpinMessage)

	// Webhooks (webhooks.go).
	h.webhookRoutes()
	// Application commands (commands.go, commandperms.go) and
	// interactions (interactions.go).
	h.commandRoutes()
	h.interactionRoutes()

	// Gateway discovery.
	h.handle("GET", "/gateway", noAuth, h.gateway)
	h.handle("GET", "/gateway/bot", withAuth, h.gatewayBot)
}

// gatewayURL builds the WebSocket URL from the request's Host, so clients
// reach the gateway on the address they reached the API on.
func (h *Handler) gatewayURL(r *http.Request) string {
	scheme := "ws"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "wss"
	}
	return scheme + "://" + r.Host + h.cfg.GatewayPath
}

func (h *Handler) gateway(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
	writeJSON(w, http.StatusOK, protocol.Gateway{URL: h.gatewayURL(r)})
	return nil
}

// sessionStartLimiter is the optional ability of Config.Sessions (the
// gateway) to report an account's IDENTIFY budget truthfully.
type sessionStartLimiter interface {
	SessionStartLimit(userID chat.ID) protocol.SessionStartLimit
}

func (h *Handler) gatewayBot(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	gb := protocol.GatewayBotObject(h.gatewayURL(r))
	if l, ok := h.cfg.Sessions.(sessionStartLimiter); ok {
		gb.SessionStartLimit = l.SessionStartLimit(u.ID)
	}
	writeJSON(w, http.StatusOK, gb)
	return nil
}
