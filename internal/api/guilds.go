package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

func (h *Handler) createGuild(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	body.Name = strings.TrimSpace(body.Name)
	if n := utf8.RuneCountInString(body.Name); n < protocol.MinGuildName || n > protocol.MaxGuildName {
		return protocol.InvalidForm(lengthError("name", protocol.MinGuildName, protocol.MaxGuildName))
	}
	g, err := h.guilds.CreateGuild(r.Context(), u.ID, body.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (h *Handler) getGuild(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	g, err := h.guilds.Guild(r.Context(), id, u.ID, queryBool(r, "with_counts"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (h *Handler) editGuild(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body struct {
		Name            *string        `json:"name"`
		Description     nullableString `json:"description"`
		Icon            nullableString `json:"icon"`
		SystemChannelID nullableID     `json:"system_channel_id"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if body.Name != nil {
		if n := utf8.RuneCountInString(strings.TrimSpace(*body.Name)); n < protocol.MinGuildName || n > protocol.MaxGuildName {
			return protocol.InvalidForm(lengthError("name", protocol.MinGuildName, protocol.MaxGuildName))
		}
	}
	desc := body.Description.ptr()
	if desc != nil && utf8.RuneCountInString(*desc) > protocol.MaxGuildDescription {
		return protocol.InvalidForm(lengthError("description", 0, protocol.MaxGuildDescription))
	}
	icon, img, err := imageField("icon", body.Icon)
	if err != nil {
		return err
	}
	if img != nil && h.blobs != nil {
		// The guild's owner checks MANAGE_GUILD before anything is stored,
		// and the icon is durable before the guild names it.
		if err := h.guilds.CheckManageGuild(r.Context(), id, u.ID); err != nil {
			return err
		}
		if err := h.storeImage(r.Context(), "icons", id, img); err != nil {
			return err
		}
	}
	g, err := h.guilds.EditGuild(r.Context(), id, u.ID, guild.GuildEdit{
		Name: body.Name, Description: desc, Icon: icon, SystemChannelID: body.SystemChannelID.ptr()})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (h *Handler) deleteGuild(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	if err := h.guilds.DeleteGuild(r.Context(), id, u.ID); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) listChannels(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	cs, err := h.guilds.Channels(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cs)
	return nil
}

type overwriteBody struct {
	ID    chat.ID          `json:"id"`
	Type  *int             `json:"type"`
	Allow permissionsValue `json:"allow"`
	Deny  permissionsValue `json:"deny"`
}

func overwrites(path string, in []overwriteBody) ([]chat.Overwrite, error) {
	out := make([]chat.Overwrite, 0, len(in))
	for i, o := range in {
		if o.ID == 0 || o.Type == nil || (*o.Type != chat.OverwriteRole && *o.Type != chat.OverwriteMember) {
			return nil, protocol.InvalidForm(protocol.FieldError{Path: path + "." + strconv.Itoa(i), Code: protocol.FieldBaseTypeRequired,
				Message: "Overwrites need an id and a type of 0 (role) or 1 (member)."})
		}
		out = append(out, chat.Overwrite{ID: o.ID, Type: *o.Type, Allow: o.Allow.Value, Deny: o.Deny.Value})
	}
	return out, nil
}

func validChannelName(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > protocol.MaxChannelName {
		return protocol.InvalidForm(lengthError("name", 1, protocol.MaxChannelName))
	}
	return nil
}

func (h *Handler) createChannel(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body struct {
		Name                 string          `json:"name"`
		Type                 int             `json:"type"`
		Topic                string          `json:"topic"`
		Position             *int            `json:"position"`
		ParentID             chat.ID         `json:"parent_id"`
		NSFW                 bool            `json:"nsfw"`
		RateLimitPerUser     int             `json:"rate_limit_per_user"`
		PermissionOverwrites []overwriteBody `json:"permission_overwrites"`
		threadSettingsBody
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if err := validChannelName(body.Name); err != nil {
		return err
	}
	switch body.Type {
	case chat.ChannelText, chat.ChannelVoice, chat.ChannelCategory, chat.ChannelAnnouncement, chat.ChannelForum, chat.ChannelMedia:
	default:
		return protocol.InvalidForm(protocol.FieldError{Path: "type", Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {0, 2, 4, 5, 15, 16}."})
	}
	forum, err := body.forumEdit()
	if err != nil {
		return err
	}
	if utf8.RuneCountInString(body.Topic) > protocol.MaxChannelTopic {
		return protocol.InvalidForm(lengthError("topic", 0, protocol.MaxChannelTopic))
	}
	if err := intRange("rate_limit_per_user", body.RateLimitPerUser, 0, protocol.MaxRateLimitPerUser); err != nil {
		return err
	}
	ows, err := overwrites("permission_overwrites", body.PermissionOverwrites)
	if err != nil {
		return err
	}
	name := body.Name
	if body.Type != chat.ChannelVoice && body.Type != chat.ChannelCategory {
		// Discord lower-cases text channel names and joins words with dashes.
		name = strings.ToLower(strings.Join(strings.Fields(name), "-"))
		// A name of only spaces becomes empty: check what is stored.
		if err := validChannelName(name); err != nil {
			return err
		}
	}
	c, err := h.guilds.CreateChannel(r.Context(), id, u.ID, guild.ChannelCreate{
		Name: name, Type: body.Type, Topic: body.Topic, Position: body.Position, ParentID: body.ParentID,
		NSFW: body.NSFW, RateLimit: body.RateLimitPerUser, Overwrites: ows, Forum: forum})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (h *Handler) moveChannels(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body []struct {
		ID       chat.ID    `json:"id"`
		Position *int       `json:"position"`
		ParentID nullableID `json:"parent_id"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	ps := make([]guild.ChannelPosition, 0, len(body))
	for _, p := range body {
		ps = append(ps, guild.ChannelPosition{ID: p.ID, Position: p.Position, ParentID: p.ParentID.ptr()})
	}
	if err := h.guilds.SetChannelPositions(r.Context(), id, u.ID, ps); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 1, 1, 1000)
	if err != nil {
		return err
	}
	after, err := queryID(r, "after")
	if err != nil {
		return err
	}
	ms, err := h.guilds.Members(r.Context(), id, u.ID, after, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

func (h *Handler) getMember(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	target, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	m, err := h.guilds.Member(r.Context(), id, u.ID, target)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

type memberBody struct {
	Nick  nullableString `json:"nick"`
	Roles *[]chat.ID     `json:"roles"`
	// CommunicationDisabledUntil is an ISO 8601 time, or null to lift a
	// timeout (parsed by timeoutEdit).
	CommunicationDisabledUntil nullableString `json:"communication_disabled_until"`
}

func (h *Handler) editMemberAs(w http.ResponseWriter, r *http.Request, u *chat.User, target chat.ID) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body memberBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if p := body.Nick.ptr(); p != nil && utf8.RuneCountInString(*p) > protocol.MaxNick {
		return protocol.InvalidForm(lengthError("nick", 1, protocol.MaxNick))
	}
	e := guild.MemberEdit{Nick: body.Nick.ptr(), Roles: body.Roles}
	if e.SetTimeout, e.TimeoutUntil, err = timeoutEdit(body.CommunicationDisabledUntil); err != nil {
		return err
	}
	m, err := h.guilds.EditMember(r.Context(), id, u.ID, target, e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) editMember(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	target, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	return h.editMemberAs(w, r, u, target)
}

func (h *Handler) editMyMember(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.editMemberAs(w, r, u, u.ID)
}

func (h *Handler) kickMember(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	target, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.guilds.RemoveMember(r.Context(), id, u.ID, target); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) setMemberRole(w http.ResponseWriter, r *http.Request, u *chat.User, add bool) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	target, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	role, err := pathID(r, "role_id")
	if err != nil {
		return err
	}
	if err := h.guilds.SetMemberRole(r.Context(), id, u.ID, target, role, add); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) addMemberRole(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.setMemberRole(w, r, u, true)
}

func (h *Handler) removeMemberRole(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.setMemberRole(w, r, u, false)
}

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	rs, err := h.guilds.Roles(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

func (h *Handler) getRole(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	roleID, err := pathID(r, "role_id")
	if err != nil {
		return err
	}
	ro, err := h.guilds.Role(r.Context(), id, u.ID, roleID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ro)
	return nil
}

type roleBody struct {
	Name        *string          `json:"name"`
	Permissions permissionsValue `json:"permissions"`
	Color       *int             `json:"color"`
	Hoist       *bool            `json:"hoist"`
	Mentionable *bool            `json:"mentionable"`
	Position    *int             `json:"position"`
}

func (b roleBody) edit() (guild.RoleEdit, error) {
	if b.Name != nil {
		if n := utf8.RuneCountInString(*b.Name); n < 1 || n > protocol.MaxRoleName {
			return guild.RoleEdit{}, protocol.InvalidForm(lengthError("name", 1, protocol.MaxRoleName))
		}
	}
	e := guild.RoleEdit{Name: b.Name, Color: b.Color, Hoist: b.Hoist, Mentionable: b.Mentionable, Position: b.Position}
	if b.Permissions.Set {
		p := b.Permissions.Value
		e.Permissions = &p
	}
	return e, nil
}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body roleBody
	// Discord allows an empty body: a role called "new role".
	if err := h.decodeOptional(w, r, &body); err != nil {
		return err
	}
	e, err := body.edit()
	if err != nil {
		return err
	}
	ro, err := h.guilds.CreateRole(r.Context(), id, u.ID, e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ro)
	return nil
}

func (h *Handler) editRole(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	roleID, err := pathID(r, "role_id")
	if err != nil {
		return err
	}
	var body roleBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	e, err := body.edit()
	if err != nil {
		return err
	}
	ro, err := h.guilds.EditRole(r.Context(), id, u.ID, roleID, e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ro)
	return nil
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	roleID, err := pathID(r, "role_id")
	if err != nil {
		return err
	}
	if err := h.guilds.DeleteRole(r.Context(), id, u.ID, roleID); err != nil {
		return err
	}
	return noContent(w)
}

// authorizeBot is the OAuth2 "bot" scope: it adds an application's bot to a
// guild the user manages.
func (h *Handler) authorizeBot(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if u.Bot {
		return chat.ErrMissingAccess
	}
	q := r.URL.Query()
	appID, err := chat.ParseID(q.Get("client_id"))
	if err != nil {
		return protocol.InvalidForm(protocol.FieldError{Path: "client_id", Code: protocol.FieldNumberTypeCoerce, Message: "Value is not snowflake."})
	}
	if !hasScope(q.Get("scope"), "bot") {
		return protocol.InvalidForm(protocol.FieldError{Path: "scope", Code: protocol.FieldOAuth2InvalidScope, Message: "Only the bot scope is supported."})
	}
	var body struct {
		GuildID     chat.ID          `json:"guild_id"`
		Authorize   bool             `json:"authorize"`
		Permissions permissionsValue `json:"permissions"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if body.GuildID == 0 {
		return protocol.InvalidForm(protocol.FieldError{Path: "guild_id", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
	}
	perms := body.Permissions.Value
	if s := q.Get("permissions"); s != "" {
		p, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return protocol.InvalidForm(protocol.FieldError{Path: "permissions", Code: protocol.FieldNumberTypeCoerce, Message: "Value is not int."})
		}
		perms = p
	}
	app, err := h.st.Application(r.Context(), appID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.ErrUnknownApp
	}
	if err != nil {
		return err
	}
	if !body.Authorize {
		writeJSON(w, http.StatusOK, protocol.AuthorizeAnswer{Location: "https://discord.com/oauth2/error?error=access_denied"})
		return nil
	}
	if err := h.guilds.AuthorizeBot(r.Context(), body.GuildID, u.ID, app, perms); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, protocol.AuthorizeAnswer{Location: "https://discord.com/oauth2/authorized"})
	return nil
}

func hasScope(scopes, want string) bool {
	for _, s := range strings.FieldsFunc(scopes, func(r rune) bool { return r == ' ' || r == '+' || r == ',' }) {
		if s == want {
			return true
		}
	}
	return false
}

func (h *Handler) moveRoles(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body []struct {
		ID       chat.ID `json:"id"`
		Position *int    `json:"position"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	ps := make([]guild.RolePosition, 0, len(body))
	for i, p := range body {
		if p.Position == nil {
			return protocol.InvalidForm(protocol.FieldError{Path: strconv.Itoa(i) + ".position", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
		}
		ps = append(ps, guild.RolePosition{ID: p.ID, Position: *p.Position})
	}
	roles, err := h.guilds.SetRolePositions(r.Context(), id, u.ID, ps)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, roles)
	return nil
}
