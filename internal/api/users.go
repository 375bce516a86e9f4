package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/account"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

var errBotsForbidden = protocol.NewAPIError(http.StatusForbidden, protocol.CodeBotsForbidden, "Bots cannot use this endpoint")

var errUsernameTaken = protocol.InvalidForm(protocol.FieldError{Path: "username", Code: "USERNAME_ALREADY_TAKEN",
	Message: "Username is unavailable. Try adding numbers, letters, underscores _ , or periods."})

func validUsername(name string) *protocol.FieldError {
	n := utf8.RuneCountInString(name)
	if n < protocol.MinUsername || n > protocol.MaxUsername {
		f := lengthError("username", protocol.MinUsername, protocol.MaxUsername)
		return &f
	}
	for _, r := range name {
		if !account.UsernameRune(r) {
			return &protocol.FieldError{Path: "username", Code: "USERNAME_INVALID_CHARACTERS",
				Message: "Username can only contain letters, numbers, underscores _ , periods . and dashes -."}
		}
	}
	return nil
}

// register creates a user account and returns its first token.
func (h *Handler) register(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
	var body struct {
		Username   string `json:"username"`
		Password   string `json:"password"`
		GlobalName string `json:"global_name"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	var fields []protocol.FieldError
	if f := validUsername(body.Username); f != nil {
		fields = append(fields, *f)
	}
	if n := utf8.RuneCountInString(body.Password); n < 6 || n > protocol.MaxPassword {
		fields = append(fields, lengthError("password", 6, protocol.MaxPassword))
	}
	if utf8.RuneCountInString(body.GlobalName) > protocol.MaxGlobalName {
		fields = append(fields, lengthError("global_name", 1, protocol.MaxGlobalName))
	}
	if len(fields) > 0 {
		return protocol.InvalidForm(fields...)
	}
	u, token, err := h.accounts.Register(r.Context(), body.Username, body.Password, body.GlobalName)
	if errors.Is(err, account.ErrUsernameTaken) {
		return errUsernameTaken
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, protocol.Login{Token: token, UserID: u.ID})
	return nil
}

var errInvalidLogin = protocol.InvalidForm(
	protocol.FieldError{Path: "login", Code: "INVALID_LOGIN", Message: "Login or password is invalid."},
	protocol.FieldError{Path: "password", Code: "INVALID_LOGIN", Message: "Login or password is invalid."})

func (h *Handler) login(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
	var body struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	// Neither field can be longer than registration allows; refusing a
	// longer one here spares hashing a megabyte of "password".
	if len(body.Login) > protocol.MaxLogin || utf8.RuneCountInString(body.Password) > protocol.MaxPassword {
		return errInvalidLogin
	}
	u, token, err := h.accounts.Login(r.Context(), body.Login, body.Password)
	if errors.Is(err, account.ErrInvalidLogin) {
		return errInvalidLogin
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, protocol.Login{Token: token, UserID: u.ID})
	return nil
}

func (h *Handler) getMe(w http.ResponseWriter, _ *http.Request, u *chat.User) error {
	writeJSON(w, http.StatusOK, protocol.CurrentUserObject(*u))
	return nil
}

func (h *Handler) editMe(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	var body struct {
		Username   *string        `json:"username"`
		GlobalName nullableString `json:"global_name"`
		Avatar     nullableString `json:"avatar"`
		Banner     nullableString `json:"banner"`
		Bio        nullableString `json:"bio"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	nu := *u
	if body.Username != nil {
		if f := validUsername(*body.Username); f != nil {
			return protocol.InvalidForm(*f)
		}
		nu.Username = *body.Username
	}
	if p := body.GlobalName.ptr(); p != nil {
		if utf8.RuneCountInString(*p) > protocol.MaxGlobalName {
			return protocol.InvalidForm(lengthError("global_name", 1, protocol.MaxGlobalName))
		}
		nu.GlobalName = *p
	}
	if p := body.Bio.ptr(); p != nil {
		if utf8.RuneCountInString(*p) > protocol.MaxBio {
			return protocol.InvalidForm(protocol.FieldError{Path: "bio", Code: protocol.FieldBaseTypeMaxLength,
				Message: fmt.Sprintf("Must be %d or fewer in length.", protocol.MaxBio)})
		}
		nu.Bio = *p
	}
	avatar, img, err := imageField("avatar", body.Avatar)
	if err != nil {
		return err
	}
	banner, bannerImg, err := imageField("banner", body.Banner)
	if err != nil {
		return err
	}
	if avatar != nil {
		nu.Avatar = *avatar
	}
	if banner != nil {
		nu.Banner = *banner
	}
	// The images are durable before any user object names them.
	if err := h.storeImage(r.Context(), "avatars", u.ID, img); err != nil {
		return err
	}
	if err := h.storeImage(r.Context(), "banners", u.ID, bannerImg); err != nil {
		return err
	}
	if err := h.accounts.UpdateProfile(r.Context(), nu); err != nil {
		if errors.Is(err, account.ErrUsernameTaken) {
			return errUsernameTaken
		}
		return err
	}
	h.guilds.UserChanged(nu)
	writeJSON(w, http.StatusOK, protocol.CurrentUserObject(nu))
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	u, err := h.accounts.User(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, protocol.UserObject(u))
	return nil
}

// getUserProfile answers GET /users/{id}/profile as Discord's client
// reads it: the user, bio and banner, and the guilds the caller shares
// with them. Only the user themself or someone sharing a guild with them
// may read it (50001 otherwise, as Discord answers a stranger); bots may
// not use it at all (Discord: 20001).
func (h *Handler) getUserProfile(w http.ResponseWriter, r *http.Request, me *chat.User) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if me.Bot {
		return errBotsForbidden
	}
	u, err := h.accounts.User(r.Context(), id)
	if err != nil {
		return err
	}
	mutual, err := h.mutualGuilds(r.Context(), me.ID, u.ID)
	if err != nil {
		return err
	}
	if u.ID != me.ID && len(mutual) == 0 {
		return chat.ErrMissingAccess
	}
	if u.ID == me.ID {
		mutual = nil // Discord lists none on one's own profile
	}
	writeJSON(w, http.StatusOK, protocol.UserProfileObject(u, mutual))
	return nil
}

// mutualGuilds lists the guilds both users are members of, in ID order,
// with the target's nickname in each.
func (h *Handler) mutualGuilds(ctx context.Context, callerID, targetID chat.ID) ([]protocol.MutualGuild, error) {
	mine, err := h.st.UserGuilds(ctx, callerID)
	if err != nil {
		return nil, err
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i] < mine[j] })
	var out []protocol.MutualGuild
	for _, gid := range mine {
		// The user-guild index may lag a leave: the member rows decide.
		if _, err := h.st.Member(ctx, gid, callerID); errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		m, err := h.st.Member(ctx, gid, targetID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		mg := protocol.MutualGuild{ID: gid}
		if m.Nick != "" {
			nick := m.Nick
			mg.Nick = &nick
		}
		out = append(out, mg)
	}
	return out, nil
}

func (h *Handler) myGuilds(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	limit, err := queryInt(r, "limit", 200, 1, 200)
	if err != nil {
		return err
	}
	before, err := queryID(r, "before")
	if err != nil {
		return err
	}
	after, err := queryID(r, "after")
	if err != nil {
		return err
	}
	ids, err := h.st.UserGuilds(r.Context(), u.ID)
	if err != nil {
		return err
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := []protocol.PartialGuild{}
	for _, id := range ids {
		if (before != 0 && id >= before) || id <= after {
			continue
		}
		g, err := h.userGuild(r.Context(), id, u.ID)
		if errors.Is(err, chat.ErrUnknownGuild) || errors.Is(err, chat.ErrMissingAccess) {
			continue // left or deleted since the index was read
		}
		if err != nil {
			return err
		}
		out = append(out, g)
	}
	if before != 0 && len(out) > limit {
		out = out[len(out)-limit:]
	} else if len(out) > limit {
		out = out[:limit]
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) leaveGuild(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	if err := h.guilds.RemoveMember(r.Context(), guildID, u.ID, u.ID); err != nil {
		return err
	}
	return noContent(w)
}

// applicationObject renders app with its owner and bot users.
func (h *Handler) applicationObject(r *http.Request, app chat.Application) (protocol.Application, error) {
	owner, err := h.accounts.User(r.Context(), app.OwnerID)
	if err != nil {
		return protocol.Application{}, err
	}
	bot, err := h.accounts.User(r.Context(), app.BotID)
	if err != nil {
		return protocol.Application{}, err
	}
	obj := protocol.ApplicationObject(app, owner, bot)
	obj.VerifyKey = interaction.VerifyKey(app.InteractionsKey)
	return obj, nil
}

// newAppFlags are the flags a new application starts with: the privileged
// intents enabled, as Discord allows for a bot in fewer than 100 guilds.
const newAppFlags = chat.AppFlagGatewayPresenceLimited | chat.AppFlagGatewayGuildMembersLimited | chat.AppFlagGatewayMessageContentLimited

// intentFlags are the application flags a bot may change itself.
const intentFlags = chat.AppFlagGatewayPresence | chat.AppFlagGatewayPresenceLimited |
	chat.AppFlagGatewayGuildMembers | chat.AppFlagGatewayGuildMembersLimited |
	chat.AppFlagGatewayMessageContent | chat.AppFlagGatewayMessageContentLimited

func (h *Handler) createApplication(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if u.Bot {
		return chat.ErrMissingAccess
	}
	var body struct {
		Name string `json:"name"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	body.Name = strings.TrimSpace(body.Name)
	if n := utf8.RuneCountInString(body.Name); n < 2 || n > 32 {
		return protocol.InvalidForm(lengthError("name", 2, 32))
	}
	key, err := interaction.NewKey()
	if err != nil {
		return err
	}
	app := chat.Application{ID: h.ids.Next(), Name: body.Name, OwnerID: u.ID, Flags: newAppFlags, InteractionsKey: key}
	bot, err := h.accounts.CreateBot(r.Context(), h.ids.Next(), app.ID, body.Name)
	if err != nil {
		return err
	}
	app.BotID = bot.ID
	if err := h.accounts.SaveApplication(r.Context(), app); err != nil {
		return err
	}
	obj, err := h.applicationObject(r, app)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, obj)
	return nil
}

func (h *Handler) myApplication(r *http.Request, u *chat.User) (chat.Application, error) {
	if !u.Bot {
		return chat.Application{}, errUnauthorized
	}
	app, err := h.accounts.ApplicationByBot(r.Context(), u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Application{}, chat.ErrUnknownApp
	}
	return app, err
}

func (h *Handler) getMyApplication(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	app, err := h.myApplication(r, u)
	if err != nil {
		return err
	}
	if app, err = h.ensureAppKey(r.Context(), app); err != nil {
		return err
	}
	obj, err := h.applicationObject(r, app)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj)
	return nil
}

func (h *Handler) editMyApplication(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	app, err := h.myApplication(r, u)
	if err != nil {
		return err
	}
	var body struct {
		Flags                   *uint64        `json:"flags"`
		InteractionsEndpointURL nullableString `json:"interactions_endpoint_url"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if body.Flags != nil && *body.Flags&^intentFlags != 0 {
		// Refused before anything is saved or any endpoint is asked.
		return protocol.InvalidForm(protocol.FieldError{Path: "flags", Code: "APPLICATION_FLAGS_INVALID",
			Message: "Only gateway intent flags may be changed."})
	}
	// The endpoint is verified before the lock: it may take seconds.
	endpoint := strings.TrimSpace(body.InteractionsEndpointURL.Value)
	if endpoint != "" {
		if app, err = h.ensureAppKey(r.Context(), app); err != nil {
			return err
		}
		if err := h.checkEndpoint(r.Context(), app, endpoint); err != nil {
			return err
		}
	}
	h.appMu.Lock()
	defer h.appMu.Unlock()
	key := app.InteractionsKey
	// Read again under the lock, from the store: the cached copy may
	// predate another node's edit (an endpoint set there).
	app, err = h.st.Application(r.Context(), app.ID)
	if err != nil {
		return err
	}
	if body.InteractionsEndpointURL.Set {
		if endpoint != "" && !bytes.Equal(app.InteractionsKey, key) {
			// Verified with another key than the application's now.
			return errEndpointField("APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
				"The specified interactions endpoint url could not be verified.")
		}
		app.InteractionsEndpointURL = endpoint
		if err := h.accounts.SaveApplication(r.Context(), app); err != nil {
			return err
		}
	}
	if body.Flags != nil {
		app.Flags = app.Flags&^intentFlags | *body.Flags
		if err := h.accounts.SaveApplication(r.Context(), app); err != nil {
			return err
		}
	}
	obj, err := h.applicationObject(r, app)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj)
	return nil
}

func (h *Handler) ownedApplication(r *http.Request, u *chat.User, id chat.ID) (chat.Application, error) {
	app, err := h.st.Application(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Application{}, chat.ErrUnknownApp
	}
	if err != nil {
		return chat.Application{}, err
	}
	if app.OwnerID != u.ID {
		return chat.Application{}, chat.ErrMissingAccess
	}
	return app, nil
}

func (h *Handler) resetBotToken(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "app_id")
	if err != nil {
		return err
	}
	h.appMu.Lock()
	defer h.appMu.Unlock()
	app, err := h.ownedApplication(r, u, id)
	if err != nil {
		return err
	}
	// The order keeps every token the owner may hold either revoked or
	// recorded on the application, whatever step fails: the new token is
	// stored first (if the rest fails, nobody has received it), then the
	// recorded one is revoked (both in ResetToken), then the new one
	// recorded. A failure after the revocation leaves the old hash
	// recorded, which the next reset deletes again, harmlessly.
	token, hash, err := h.accounts.ResetToken(r.Context(), app.BotID, app.TokenHash)
	if err != nil {
		return err
	}
	app.TokenHash = hash
	if err := h.accounts.SaveApplication(r.Context(), app); err != nil {
		return err
	}
	// Sessions identified with a revoked token end now, as on Discord; the
	// bot reconnects with its new token.
	if h.cfg.Sessions != nil {
		h.cfg.Sessions.CloseUserSessions(app.BotID, protocol.CloseAuthenticationFailed)
	}
	writeJSON(w, http.StatusOK, protocol.BotToken{Token: token})
	return nil
}
