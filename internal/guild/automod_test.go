package guild

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/automod"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

func blockRule(name string, kws ...string) automod.Rule {
	return automod.Rule{Name: name, EventType: automod.EventMessageSend, TriggerType: automod.TriggerKeyword, Enabled: true,
		TriggerMetadata: automod.Metadata{KeywordFilter: kws},
		Actions:         []automod.Action{{Type: automod.ActionBlockMessage}}}
}

func TestAutoModRulesCRUDPermissionsAndEvents(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageGuild)
	gid := m.g.ID
	modS := e.session(m.mod, allIntents, false)
	modNoIntent := e.session(m.mod, allIntents&^protocol.IntentAutoModConfiguration, false)
	bobS := e.session(m.bob, allIntents, false)
	for _, s := range []*fakeSession{modS, modNoIntent, bobS} {
		if err := e.r.Connect(ctx, gid, s, 250); err != nil {
			t.Fatal(err)
		}
	}

	// Without MANAGE_GUILD nothing is readable or writable.
	_, err := e.r.CreateAutoModRule(ctx, gid, m.bob, blockRule("x", "cat"))
	wantErr(t, "bob creates", err, chat.ErrMissingPerms)
	_, err = e.r.AutoModRules(ctx, gid, m.bob)
	wantErr(t, "bob lists", err, chat.ErrMissingPerms)

	r1, err := e.r.CreateAutoModRule(ctx, gid, m.mod, blockRule("no cats", "cat"))
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID == 0 || r1.GuildID != gid || r1.CreatorID != m.mod || r1.ExemptRoles == nil {
		t.Fatalf("created rule %+v", r1)
	}
	_, err = e.r.AutoModRule(ctx, gid, m.bob, r1.ID)
	wantErr(t, "bob reads", err, chat.ErrMissingPerms)
	wantErr(t, "bob deletes", e.r.DeleteAutoModRule(ctx, gid, m.bob, r1.ID), chat.ErrMissingPerms)

	// TIMEOUT needs MODERATE_MEMBERS as well.
	to := blockRule("timeout", "dog")
	to.Actions = []automod.Action{{Type: automod.ActionTimeout, Metadata: automod.ActionMetadata{DurationSeconds: 60}}}
	_, err = e.r.CreateAutoModRule(ctx, gid, m.mod, to)
	wantErr(t, "timeout rule without MODERATE_MEMBERS", err, chat.ErrMissingPerms)

	// Bad regex and the per-type limit answer 50035.
	bad := blockRule("regex")
	bad.TriggerMetadata.RegexPatterns = []string{"(a"}
	_, err = e.r.CreateAutoModRule(ctx, gid, m.mod, bad)
	wantAPICode(t, "bad regex", err, protocol.CodeInvalidFormBody)
	for i := 1; i < automod.MaxKeywordRules; i++ {
		if _, err := e.r.CreateAutoModRule(ctx, gid, m.mod, blockRule("more", "w")); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.r.CreateAutoModRule(ctx, gid, m.mod, blockRule("seventh", "w"))
	wantAPICode(t, "seventh keyword rule", err, protocol.CodeInvalidFormBody)

	name, off := "renamed", false
	up, err := e.r.EditAutoModRule(ctx, gid, m.mod, r1.ID, AutoModEdit{Name: &name, Enabled: &off})
	if err != nil || up.Name != "renamed" || up.Enabled || up.TriggerMetadata.KeywordFilter[0] != "cat" {
		t.Fatalf("edit: %+v, %v", up, err)
	}
	_, err = e.r.EditAutoModRule(ctx, gid, m.mod, 12345, AutoModEdit{Name: &name})
	wantAPICode(t, "edit unknown", err, 10066)
	if err := e.r.DeleteAutoModRule(ctx, gid, m.mod, r1.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.r.AutoModRule(ctx, gid, m.mod, r1.ID)
	wantAPICode(t, "deleted rule", err, 10066)

	// Durable: the store holds the five left.
	rows, err := e.st.GuildAutoModRules(ctx, gid)
	if err != nil || len(rows) != automod.MaxKeywordRules-1 {
		t.Fatalf("stored %d rules, %v", len(rows), err)
	}

	e.sync(gid)
	if n := len(modS.named(EventAutoModRuleCreate)); n != automod.MaxKeywordRules {
		t.Errorf("mod got %d RULE_CREATE, want %d", n, automod.MaxKeywordRules)
	}
	if len(modS.named(EventAutoModRuleUpdate)) != 1 || len(modS.named(EventAutoModRuleDelete)) != 1 {
		t.Error("mod missed RULE_UPDATE or RULE_DELETE")
	}
	for name, s := range map[string]*fakeSession{"bob (no MANAGE_GUILD)": bobS, "mod without the intent": modNoIntent} {
		for _, ev := range []string{EventAutoModRuleCreate, EventAutoModRuleUpdate, EventAutoModRuleDelete} {
			if n := len(s.named(ev)); n != 0 {
				t.Errorf("%s got %d %s", name, n, ev)
			}
		}
	}
}

func TestAutoModRulesSurviveReload(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, 0)
	if _, err := e.r.CreateAutoModRule(ctx, m.g.ID, m.owner, blockRule("r", "cat")); err != nil {
		t.Fatal(err)
	}
	// A fresh actor state read from the store enforces the same rule.
	if err := e.r.call(ctx, m.g.ID, func(ctx context.Context, a *actor) error { return a.loadAutoMod(ctx, a.r.st) }); err != nil {
		t.Fatal(err)
	}
	_, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "a cat"})
	wantAPICode(t, "after reload", err, 200000)
}

func TestAutoModEnforcement(t *testing.T) {
	clk := &clock{now: time.Now()}
	e := newEnv(t, Config{Now: clk.Now})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageGuild)
	gid := m.g.ID
	alertCh, err := e.r.CreateChannel(ctx, gid, m.owner, ChannelCreate{Name: "mod-log", Type: chat.ChannelText})
	if err != nil {
		t.Fatal(err)
	}
	block := blockRule("block", "*badword*")
	block.Actions = append(block.Actions, automod.Action{Type: automod.ActionSendAlert, Metadata: automod.ActionMetadata{ChannelID: alertCh.ID}})
	block.ExemptRoles = []chat.ID{m.juniorRole}
	if _, err := e.r.CreateAutoModRule(ctx, gid, m.owner, block); err != nil {
		t.Fatal(err)
	}
	to := blockRule("timeout", "hush")
	to.Actions = []automod.Action{{Type: automod.ActionTimeout, Metadata: automod.ActionMetadata{DurationSeconds: 600}}}
	if _, err := e.r.CreateAutoModRule(ctx, gid, m.owner, to); err != nil {
		t.Fatal(err)
	}
	modS := e.session(m.mod, allIntents, false)
	modBot := e.session(m.mod, allIntents&^protocol.IntentMessageContent, true)
	modNoIntent := e.session(m.mod, allIntents&^protocol.IntentAutoModExecution, false)
	bobS := e.session(m.bob, allIntents, false)
	for _, s := range []*fakeSession{modS, modBot, modNoIntent, bobS} {
		if err := e.r.Connect(ctx, gid, s, 250); err != nil {
			t.Fatal(err)
		}
	}

	_, err = e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "so BADWORDS here"})
	wantAPICode(t, "blocked create", err, 200000)
	ms, err := e.r.Messages(ctx, m.ch, m.owner, store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range ms {
		if msg.Content == "so BADWORDS here" {
			t.Fatal("blocked message was stored")
		}
	}
	alerts, err := e.r.Messages(ctx, alertCh.ID, m.owner, store.Page{Limit: 10})
	if err != nil || len(alerts) != 1 || alerts[0].Type != 24 || alerts[0].Author.ID != m.bob {
		t.Fatalf("alert channel: %+v, %v", alerts, err)
	}

	e.sync(gid)
	execs := modS.named(EventAutoModActionExecution)
	if len(execs) != 2 {
		t.Fatalf("mod got %d executions, want block + alert", len(execs))
	}
	var ev executionEvent
	if err := json.Unmarshal(execs[1].Data, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Action.Type != automod.ActionSendAlert || ev.UserID != m.bob || ev.MessageID != 0 ||
		ev.AlertSystemMessageID != alerts[0].ID || ev.Content != "so BADWORDS here" ||
		ev.MatchedKeyword == nil || *ev.MatchedKeyword != "*badword*" || *ev.MatchedContent != "BADWORD" {
		t.Fatalf("execution %+v", ev)
	}
	botExecs := modBot.named(EventAutoModActionExecution)
	if len(botExecs) != 2 {
		t.Fatalf("bot got %d executions", len(botExecs))
	}
	if err := json.Unmarshal(botExecs[0].Data, &ev); err != nil || ev.Content != "" || *ev.MatchedContent != "" {
		t.Fatalf("bot without MESSAGE_CONTENT saw content: %+v %v", ev, err)
	}
	if n := len(bobS.named(EventAutoModActionExecution)) + len(modNoIntent.named(EventAutoModActionExecution)); n != 0 {
		t.Fatalf("%d executions reached bob or a session without the intent", n)
	}

	// Exempt: a role of the rule, MANAGE_GUILD holders, the owner.
	for name, u := range map[string]chat.ID{"exempt role": m.junior, "MANAGE_GUILD": m.mod, "owner": m.owner} {
		if _, err := e.r.CreateMessage(ctx, m.ch, u, MessageCreate{Content: "badword"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	// An edit into a blocked word is refused and leaves the message.
	b, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "fine"})
	if err != nil {
		t.Fatal(err)
	}
	var sent struct {
		ID chat.ID `json:"id"`
	}
	_ = json.Unmarshal(b, &sent)
	bad := "now badword"
	_, err = e.r.EditMessage(ctx, m.ch, sent.ID, m.bob, MessageEdit{Content: &bad})
	wantAPICode(t, "blocked edit", err, 200000)
	got, err := e.r.Message(ctx, m.ch, sent.ID, m.bob)
	if err != nil || got.Content != "fine" {
		t.Fatalf("after blocked edit: %q, %v", got.Content, err)
	}

	// Timeout: the message goes through, then bob is timed out and can
	// no longer send.
	if _, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "hush now"}); err != nil {
		t.Fatalf("timeout-only rule blocked the message: %v", err)
	}
	mem, err := e.r.Member(ctx, gid, m.owner, m.bob)
	if err != nil || mem.CommunicationDisabledUntil == nil {
		t.Fatalf("bob not timed out: %+v %v", mem, err)
	}
	_, err = e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "hello?"})
	if !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("timed-out send: %v", err)
	}
	clk.advance(11 * time.Minute)
	if _, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "back"}); err != nil {
		t.Fatalf("after the timeout: %v", err)
	}
}

func TestAutoModMentionSpam(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, 0)
	r := automod.Rule{Name: "mentions", EventType: automod.EventMessageSend, TriggerType: automod.TriggerMentionSpam, Enabled: true,
		TriggerMetadata: automod.Metadata{MentionTotalLimit: 2}, Actions: []automod.Action{{Type: automod.ActionBlockMessage}}}
	if _, err := e.r.CreateAutoModRule(ctx, m.g.ID, m.owner, r); err != nil {
		t.Fatal(err)
	}
	two := "<@" + m.carol.String() + "> <@" + m.owner.String() + ">"
	if _, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: two}); err != nil {
		t.Fatalf("two mentions: %v", err)
	}
	_, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: two + " <@" + m.junior.String() + ">"})
	wantAPICode(t, "three mentions", err, 200000)
}
