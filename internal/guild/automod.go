package guild

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/accordchat/accord/internal/automod"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// Auto-moderation (resources/auto-moderation.mdx). The actor keeps the
// guild's rules in memory (read with the guild, written through to the
// store) with one compiled automod.Matcher rebuilt on each change, so a
// message check costs no store read. Every route needs MANAGE_GUILD; a
// rule with a TIMEOUT action also needs MODERATE_MEMBERS. Rule changes
// send AUTO_MODERATION_RULE_CREATE/UPDATE/DELETE, and every executed
// action AUTO_MODERATION_ACTION_EXECUTION, to sessions with the matching
// intent whose user has MANAGE_GUILD (administrators included).
//
// Messages are checked when created and when their content is edited.
// Members with MANAGE_GUILD or ADMINISTRATOR are not checked, nor are
// exempt roles and channels (per rule). A matching BLOCK_MESSAGE rule
// refuses the message with 200000; SEND_ALERT_MESSAGE posts a type 24
// message in the alert channel; TIMEOUT sets the author's
// communication_disabled_until.

// Event names and the alert message type.
const (
	EventAutoModRuleCreate      = "AUTO_MODERATION_RULE_CREATE"
	EventAutoModRuleUpdate      = "AUTO_MODERATION_RULE_UPDATE"
	EventAutoModRuleDelete      = "AUTO_MODERATION_RULE_DELETE"
	EventAutoModActionExecution = "AUTO_MODERATION_ACTION_EXECUTION"
	messageAutoModAction        = 24
)

var (
	// ErrAutoModBlocked is Discord's answer to a blocked message.
	ErrAutoModBlocked = protocol.NewAPIError(http.StatusBadRequest, 200000, "Message was blocked by automatic moderation")
	// Discord's documentation names no code for an unknown rule; 10066 is
	// what its API has been seen to answer.
	errUnknownAutoModRule = protocol.NewAPIError(http.StatusNotFound, 10066, "Unknown Auto Moderation Rule")
)

// autoMod is the actor's auto-moderation state.
type autoMod struct {
	rules []automod.Rule // in ID order
	match *automod.Matcher
	spam  automod.Spam
}

func (a *actor) loadAutoMod(ctx context.Context, st store.Store) error {
	rows, err := st.GuildAutoModRules(ctx, a.id)
	if err != nil {
		return fmt.Errorf("guild %d: load automod rules: %w", a.id, err)
	}
	a.am = autoMod{}
	for _, row := range rows {
		r, err := automod.Decode(row.Data)
		if err != nil {
			return fmt.Errorf("guild %d: load automod rule %d: %w", a.id, row.ID, err)
		}
		a.am.rules = append(a.am.rules, r)
	}
	a.am.match = automod.NewMatcher(a.am.rules)
	return nil
}

// amGuild answers automod.Validate's questions about the guild.
type amGuild struct{ a *actor }

func (g amGuild) HasRole(id chat.ID) bool { return g.a.roles[id] != nil && id != g.a.id }
func (g amGuild) HasChannel(id chat.ID) bool {
	ch := g.a.channels[id]
	return ch != nil && ch.Type != chat.ChannelCategory
}

// requireAutoMod checks that userID may manage auto-moderation.
func (a *actor) requireAutoMod(userID chat.ID) error {
	return a.require(userID, nil, protocol.PermManageGuild)
}

func (a *actor) autoModRule(id chat.ID) (int, error) {
	i := slices.IndexFunc(a.am.rules, func(r automod.Rule) bool { return r.ID == id })
	if i < 0 {
		return 0, errUnknownAutoModRule
	}
	return i, nil
}

// AutoModRules lists a guild's rules.
func (r *Registry) AutoModRules(ctx context.Context, guildID, userID chat.ID) ([]automod.Rule, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) ([]automod.Rule, error) {
		if err := a.requireAutoMod(userID); err != nil {
			return nil, err
		}
		return slices.Clone(a.am.rules), nil
	})
}

// AutoModRule returns one rule.
func (r *Registry) AutoModRule(ctx context.Context, guildID, userID, ruleID chat.ID) (automod.Rule, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (automod.Rule, error) {
		if err := a.requireAutoMod(userID); err != nil {
			return automod.Rule{}, err
		}
		i, err := a.autoModRule(ruleID)
		if err != nil {
			return automod.Rule{}, err
		}
		return a.am.rules[i], nil
	})
}

// checkAutoModRule validates rule as userID would save it.
func (a *actor) checkAutoModRule(userID chat.ID, rule *automod.Rule) error {
	if slices.ContainsFunc(rule.Actions, func(x automod.Action) bool { return x.Type == automod.ActionTimeout }) &&
		!a.has(userID, nil, protocol.PermModerateMembers) {
		return chat.ErrMissingPerms
	}
	return automod.Validate(rule, amGuild{a})
}

// saveAutoModRule stores rule, replaces or adds it in memory, rebuilds
// the matcher and sends name.
func (a *actor) saveAutoModRule(ctx context.Context, rule automod.Rule, name string) error {
	rule.Normalize()
	b, err := rule.Encode()
	if err != nil {
		return err
	}
	if err := a.r.st.PutAutoModRule(ctx, store.AutoModRule{GuildID: a.id, ID: rule.ID, Data: b}); err != nil {
		return fmt.Errorf("guild %d: save automod rule %d: %w", a.id, rule.ID, err)
	}
	if i := slices.IndexFunc(a.am.rules, func(x automod.Rule) bool { return x.ID == rule.ID }); i >= 0 {
		a.am.rules[i] = rule
	} else {
		a.am.rules = append(a.am.rules, rule)
	}
	a.am.match = automod.NewMatcher(a.am.rules)
	a.broadcastAutoMod(name, rule)
	return nil
}

func (a *actor) broadcastAutoMod(name string, rule automod.Rule) {
	d := a.dispatch(name, rule)
	if d == nil {
		return
	}
	ev := &event{kind: evSend, d: d, intent: protocol.IntentAutoModConfiguration, anyOf: protocol.PermManageGuild}
	a.enqueue(func() { a.deliver(ev) })
}

// CreateAutoModRule adds rule (its ID, guild and creator are set here).
func (r *Registry) CreateAutoModRule(ctx context.Context, guildID, userID chat.ID, rule automod.Rule) (automod.Rule, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (automod.Rule, error) {
		if err := a.requireAutoMod(userID); err != nil {
			return automod.Rule{}, err
		}
		if err := a.checkAutoModRule(userID, &rule); err != nil {
			return automod.Rule{}, err
		}
		if err := automod.CheckLimit(a.am.rules, rule.TriggerType); err != nil {
			return automod.Rule{}, err
		}
		rule.ID, rule.GuildID, rule.CreatorID = a.r.ids.Next(), a.id, userID
		if err := a.saveAutoModRule(ctx, rule, EventAutoModRuleCreate); err != nil {
			return automod.Rule{}, err
		}
		return a.am.rules[len(a.am.rules)-1], nil
	})
}

// AutoModEdit is a modification; nil fields are unchanged. The trigger
// type cannot change (Discord's modify takes none).
type AutoModEdit struct {
	Name            *string
	EventType       *int
	TriggerMetadata *automod.Metadata
	Actions         *[]automod.Action
	Enabled         *bool
	ExemptRoles     *[]chat.ID
	ExemptChannels  *[]chat.ID
}

// EditAutoModRule modifies a rule.
func (r *Registry) EditAutoModRule(ctx context.Context, guildID, userID, ruleID chat.ID, ed AutoModEdit) (automod.Rule, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (automod.Rule, error) {
		if err := a.requireAutoMod(userID); err != nil {
			return automod.Rule{}, err
		}
		i, err := a.autoModRule(ruleID)
		if err != nil {
			return automod.Rule{}, err
		}
		rule := a.am.rules[i]
		if ed.Name != nil {
			rule.Name = *ed.Name
		}
		if ed.EventType != nil {
			rule.EventType = *ed.EventType
		}
		if ed.TriggerMetadata != nil {
			rule.TriggerMetadata = *ed.TriggerMetadata
		}
		if ed.Actions != nil {
			rule.Actions = *ed.Actions
		}
		if ed.Enabled != nil {
			rule.Enabled = *ed.Enabled
		}
		if ed.ExemptRoles != nil {
			rule.ExemptRoles = *ed.ExemptRoles
		}
		if ed.ExemptChannels != nil {
			rule.ExemptChannels = *ed.ExemptChannels
		}
		if err := a.checkAutoModRule(userID, &rule); err != nil {
			return automod.Rule{}, err
		}
		if err := a.saveAutoModRule(ctx, rule, EventAutoModRuleUpdate); err != nil {
			return automod.Rule{}, err
		}
		return a.am.rules[i], nil
	})
}

// DeleteAutoModRule removes a rule.
func (r *Registry) DeleteAutoModRule(ctx context.Context, guildID, userID, ruleID chat.ID) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.requireAutoMod(userID); err != nil {
			return err
		}
		i, err := a.autoModRule(ruleID)
		if err != nil {
			return err
		}
		if err := a.r.st.DeleteAutoModRule(ctx, a.id, ruleID); err != nil {
			return fmt.Errorf("guild %d: delete automod rule %d: %w", a.id, ruleID, err)
		}
		rule := a.am.rules[i]
		a.am.rules = slices.Delete(a.am.rules, i, i+1)
		a.am.match = automod.NewMatcher(a.am.rules)
		a.broadcastAutoMod(EventAutoModRuleDelete, rule)
		return nil
	})
}

// --- enforcement ---

// autoModHits checks m (not yet written when new) by its author and
// returns the rules it triggers; none for members exempt from
// auto-moderation. blocked says one of them blocks it.
func (a *actor) autoModHits(m *chat.Message) (hits []automod.Hit, blocked bool) {
	if a.am.match.Empty() || a.perms(m.AuthorID, nil)&(protocol.PermManageGuild|protocol.PermAdministrator) != 0 {
		return nil, false
	}
	msg := automod.Message{Content: m.Content, ChannelID: m.ChannelID, Mentions: len(m.Mentions) + len(m.MentionRoles)}
	if mem := a.members[m.AuthorID]; mem != nil {
		msg.Roles = mem.Roles
	}
	if a.am.match.Has(automod.TriggerSpam) {
		msg.Spam = a.am.spam.Note(m.AuthorID, m.Content, a.r.cfg.Now())
	}
	hits = a.am.match.Check(&msg)
	for _, h := range hits {
		if slices.ContainsFunc(h.Rule.Actions, func(x automod.Action) bool { return x.Type == automod.ActionBlockMessage }) {
			blocked = true
		}
	}
	return hits, blocked
}

// executionEvent is AUTO_MODERATION_ACTION_EXECUTION's body.
type executionEvent struct {
	GuildID              chat.ID        `json:"guild_id"`
	Action               automod.Action `json:"action"`
	RuleID               chat.ID        `json:"rule_id"`
	RuleTriggerType      int            `json:"rule_trigger_type"`
	UserID               chat.ID        `json:"user_id"`
	ChannelID            chat.ID        `json:"channel_id,omitempty"`
	MessageID            chat.ID        `json:"message_id,omitempty"`
	AlertSystemMessageID chat.ID        `json:"alert_system_message_id,omitempty"`
	Content              string         `json:"content"`
	MatchedKeyword       *string        `json:"matched_keyword"`
	MatchedContent       *string        `json:"matched_content"`
}

// runAutoMod executes every action of hits for m. m.ID is 0 when the
// message was blocked (Discord then sends no message_id). Failures of
// the alert or the timeout are logged: the message's fate is decided.
func (a *actor) runAutoMod(ctx context.Context, m chat.Message, hits []automod.Hit) {
	for _, h := range hits {
		for _, act := range h.Rule.Actions {
			ev := executionEvent{GuildID: a.id, Action: act, RuleID: h.Rule.ID, RuleTriggerType: h.Rule.TriggerType,
				UserID: m.AuthorID, ChannelID: m.ChannelID, MessageID: m.ID, Content: m.Content}
			if h.Keyword != "" {
				ev.MatchedKeyword, ev.MatchedContent = &h.Keyword, &h.Content
			}
			switch act.Type {
			case automod.ActionSendAlert:
				id, err := a.postAutoModAlert(ctx, act.Metadata.ChannelID, m, h)
				if err != nil {
					a.r.log.Warn("automod alert", "guild", a.id, "rule", h.Rule.ID, "err", err)
					continue
				}
				ev.AlertSystemMessageID = id
			case automod.ActionTimeout:
				if err := a.autoModTimeout(ctx, m.AuthorID, time.Duration(act.Metadata.DurationSeconds)*time.Second); err != nil {
					a.r.log.Warn("automod timeout", "guild", a.id, "rule", h.Rule.ID, "err", err)
					continue
				}
			}
			a.broadcastExecution(ev)
		}
	}
}

func (a *actor) broadcastExecution(ev executionEvent) {
	d := a.dispatch(EventAutoModActionExecution, ev)
	ev.Content, ev.MatchedContent = "", nil
	if ev.MatchedKeyword != nil {
		empty := ""
		ev.MatchedContent = &empty
	}
	bare := a.dispatch(EventAutoModActionExecution, ev)
	if d == nil || bare == nil {
		return
	}
	e := &event{kind: evSend, d: d, bare: bare, intent: protocol.IntentAutoModExecution, anyOf: protocol.PermManageGuild}
	a.enqueue(func() { a.deliver(e) })
}

// postAutoModAlert writes the type 24 system message about m in
// channelID: authored by m's author, with an auto_moderation_message
// embed naming the rule and the match, as Discord's alert is.
func (a *actor) postAutoModAlert(ctx context.Context, channelID chat.ID, m chat.Message, h automod.Hit) (chat.ID, error) {
	ch := a.channels[channelID]
	if ch == nil || ch.Type != chat.ChannelText {
		return 0, errors.New("alert channel is gone or not a text channel")
	}
	fields := []chat.EmbedField{
		{Name: "rule_name", Value: h.Rule.Name},
		{Name: "channel_id", Value: strconv.FormatUint(uint64(m.ChannelID), 10)},
	}
	if h.Keyword != "" {
		fields = append(fields, chat.EmbedField{Name: "keyword", Value: h.Keyword},
			chat.EmbedField{Name: "keyword_matched_content", Value: h.Content})
	}
	alert := chat.Message{
		ID: a.r.ids.Next(), ChannelID: ch.ID, GuildID: a.id, AuthorID: m.AuthorID, Type: messageAutoModAction,
		Embeds: []chat.Embed{{Type: "auto_moderation_message", Description: m.Content, Fields: fields}},
	}
	if err := a.r.data.CreateMessage(ctx, alert); err != nil {
		return 0, fmt.Errorf("write alert: %w", err)
	}
	a.noteMessage(alert)
	body := a.renderMessage(alert, nil)
	b, err := protocol.Marshal(body)
	if err != nil {
		return 0, err
	}
	ev := messageEvent(&protocol.Dispatch{Name: protocol.EventMessageCreate, Data: b}, body, alert)
	a.enqueue(func() { a.deliver(ev) })
	return alert.ID, nil
}

// autoModTimeout times userID out for d from now, unless a longer
// timeout already runs.
func (a *actor) autoModTimeout(ctx context.Context, userID chat.ID, d time.Duration) error {
	cur := a.members[userID]
	if cur == nil {
		return chat.ErrUnknownMember
	}
	until := a.r.cfg.Now().Add(d).UTC()
	if t := cur.CommunicationDisabledUntil; t != nil && t.After(until) {
		return nil
	}
	m := *cur
	m.CommunicationDisabledUntil = &until
	return a.saveMember(ctx, m)
}
