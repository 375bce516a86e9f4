package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/ratelimit"
)

// Moderation routes: bans and bulk bans. Timeouts are a field of PATCH
// member (guilds.go) and slowmode a check of message create; their errors
// are written here (writeSlowmode).

// maxAuditReason is the longest X-Audit-Log-Reason Discord keeps.
const maxAuditReason = 512

// auditReason reads X-Audit-Log-Reason, which clients URL-encode (discord.js
// and discordgo do) so that it may hold any Unicode; a value that does not
// decode is kept as sent. It is cut to 512 characters.
func auditReason(r *http.Request) string {
	s := r.Header.Get("X-Audit-Log-Reason")
	if d, err := url.PathUnescape(s); err == nil {
		s = d
	}
	return truncateReason(s)
}

// truncateReason cuts a reason to the 512 characters Discord keeps.
func truncateReason(s string) string {
	if utf8.RuneCountInString(s) > maxAuditReason {
		s = string([]rune(s)[:maxAuditReason])
	}
	return s
}

// guildUserPath parses the guild and user IDs of a /guilds/{id}/.../{user_id} route.
func guildUserPath(r *http.Request) (guildID, userID chat.ID, err error) {
	if guildID, err = pathID(r, "guild_id"); err != nil {
		return 0, 0, err
	}
	if userID, err = pathID(r, "user_id"); err != nil {
		return 0, 0, err
	}
	return guildID, userID, nil
}

func (h *Handler) listBans(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var p guild.BanPage
	if p.Limit, err = queryInt(r, "limit", 1000, 1, 1000); err != nil {
		return err
	}
	if p.Before, err = queryID(r, "before"); err != nil {
		return err
	}
	if p.After, err = queryID(r, "after"); err != nil {
		return err
	}
	bans, err := h.guilds.Bans(r.Context(), id, u.ID, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, bans)
	return nil
}

func (h *Handler) getBan(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, target, err := guildUserPath(r)
	if err != nil {
		return err
	}
	b, err := h.guilds.Ban(r.Context(), id, u.ID, target)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// deleteMessageSeconds validates delete_message_seconds (0 to 7 days) or
// the deprecated delete_message_days (0 to 7), seconds winning when both
// are given.
func deleteMessageSeconds(seconds, days *int) (time.Duration, error) {
	switch {
	case seconds != nil:
		if err := intRange("delete_message_seconds", *seconds, 0, protocol.MaxDeleteMessageSeconds); err != nil {
			return 0, err
		}
		return time.Duration(*seconds) * time.Second, nil
	case days != nil:
		if err := intRange("delete_message_days", *days, 0, 7); err != nil {
			return 0, err
		}
		return time.Duration(*days) * 24 * time.Hour, nil
	}
	return 0, nil
}

// intRange fails with Discord's field error unless lo <= v <= hi.
func intRange(path string, v, lo, hi int) error {
	switch {
	case v < lo:
		return protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldNumberTypeMin,
			Message: "int value should be greater than or equal to " + strconv.Itoa(lo) + "."})
	case v > hi:
		return protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldNumberTypeMax,
			Message: "int value should be less than or equal to " + strconv.Itoa(hi) + "."})
	}
	return nil
}

func (h *Handler) createBan(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, target, err := guildUserPath(r)
	if err != nil {
		return err
	}
	var body struct {
		DeleteMessageSeconds *int `json:"delete_message_seconds"`
		DeleteMessageDays    *int `json:"delete_message_days"`
	}
	// PUT without a body is a ban that deletes nothing, or one whose
	// parameters are in the query, as older clients send them (discordgo
	// v0.29: ?delete_message_days=&reason=).
	if r.ContentLength != 0 {
		if err := h.decode(w, r, &body); err != nil {
			return err
		}
	} else {
		for name, dst := range map[string]**int{"delete_message_seconds": &body.DeleteMessageSeconds, "delete_message_days": &body.DeleteMessageDays} {
			if r.URL.Query().Has(name) {
				v, err := queryInt(r, name, 0, -1<<31, 1<<31)
				if err != nil {
					return err
				}
				*dst = &v
			}
		}
	}
	del, err := deleteMessageSeconds(body.DeleteMessageSeconds, body.DeleteMessageDays)
	if err != nil {
		return err
	}
	reason := auditReason(r)
	if reason == "" {
		reason = truncateReason(r.URL.Query().Get("reason"))
	}
	if err := h.guilds.CreateBan(r.Context(), id, u.ID, target, guild.BanRequest{DeleteMessages: del, Reason: reason}); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) removeBan(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, target, err := guildUserPath(r)
	if err != nil {
		return err
	}
	if err := h.guilds.RemoveBan(r.Context(), id, u.ID, target); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) bulkBan(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body struct {
		UserIDs              []chat.ID `json:"user_ids"`
		DeleteMessageSeconds *int      `json:"delete_message_seconds"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	switch {
	case body.UserIDs == nil:
		return protocol.InvalidForm(protocol.FieldError{Path: "user_ids", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
	case len(body.UserIDs) > protocol.MaxBulkBan:
		return protocol.InvalidForm(protocol.FieldError{Path: "user_ids", Code: protocol.FieldBaseTypeMaxLength,
			Message: "Must be " + strconv.Itoa(protocol.MaxBulkBan) + " or fewer in length."})
	}
	seen := make(map[chat.ID]bool, len(body.UserIDs))
	for i, uid := range body.UserIDs {
		if seen[uid] {
			return protocol.InvalidForm(protocol.FieldError{Path: "user_ids." + strconv.Itoa(i), Code: protocol.FieldBaseTypeDuplicate, Message: "Duplicate value."})
		}
		seen[uid] = true
	}
	del, err := deleteMessageSeconds(body.DeleteMessageSeconds, nil)
	if err != nil {
		return err
	}
	res, err := h.guilds.BulkBan(r.Context(), id, u.ID, body.UserIDs, guild.BanRequest{DeleteMessages: del, Reason: auditReason(r)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// writeSlowmode answers a message refused by slowmode as Discord does:
// 429, code 20016 and retry_after in seconds. The route's bucket has
// already counted the request once; this answer takes nothing more from
// it (the 429 counts once toward the address's invalid requests, as every
// per-user 429 does).
func writeSlowmode(w http.ResponseWriter, e *guild.SlowmodeError) {
	ratelimit.SetLimitedHeaders(w.Header(), ratelimit.ScopeUser, e.RetryAfter)
	writeJSON(w, http.StatusTooManyRequests, protocol.RateLimited{
		Code:       protocol.CodeSlowmode,
		Message:    "This action cannot be performed due to slowmode rate limit.",
		RetryAfter: e.RetryAfter.Seconds(),
	})
}

// timeoutEdit parses communication_disabled_until of PATCH member: absent
// changes nothing, null lifts the timeout, else an ISO 8601 time.
func timeoutEdit(v nullableString) (set bool, until *time.Time, err error) {
	if !v.Set {
		return false, nil, nil
	}
	if v.Null {
		return true, nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v.Value)
	if err != nil {
		return false, nil, protocol.InvalidForm(protocol.FieldError{Path: "communication_disabled_until",
			Code: protocol.FieldDateTypeParse, Message: "Could not parse " + strconv.Quote(v.Value) + ". Should be ISO8601."})
	}
	return true, &t, nil
}

func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var q guild.AuditQuery
	if q.Limit, err = queryInt(r, "limit", 50, 1, 100); err != nil {
		return err
	}
	if q.ActionType, err = queryInt(r, "action_type", 0, 0, 1<<16); err != nil {
		return err
	}
	for name, dst := range map[string]*chat.ID{"user_id": &q.UserID, "before": &q.Before, "after": &q.After} {
		if *dst, err = queryID(r, name); err != nil {
			return err
		}
	}
	log, err := h.guilds.AuditLog(r.Context(), id, u.ID, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, log)
	return nil
}
