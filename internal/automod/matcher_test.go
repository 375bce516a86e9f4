package automod

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

func keywordRule(id chat.ID, kws, allow, regex []string) Rule {
	return Rule{ID: id, Name: "k", EventType: EventMessageSend, TriggerType: TriggerKeyword, Enabled: true,
		TriggerMetadata: Metadata{KeywordFilter: kws, AllowList: allow, RegexPatterns: regex},
		Actions:         []Action{{Type: ActionBlockMessage}}}
}

func TestKeywordStrategies(t *testing.T) {
	cases := []struct {
		kw, content string
		want        bool
	}{
		{"cat", "a cat sat", true},
		{"cat", "A CAT!", true},
		{"cat", "catch me", false},
		{"cat", "wildcat", false},
		{"cat*", "Catapult away", true},
		{"cat*", "wildcat", false},
		{"*cat", "the wildcat", true},
		{"*cat", "catch", false},
		{"*cat*", "locations", true},
		{"*cat*", "dog", false},
		{"ice cream", "I like ice   cream.", true},
		{"ice cream", "ice creamery", false},
		{"ice cream*", "ice creamery", true},
		{"héllo", "HÉLLO there", true},
	}
	for _, c := range cases {
		t.Run(c.kw+"/"+c.content, func(t *testing.T) {
			m := NewMatcher([]Rule{keywordRule(1, []string{c.kw}, nil, nil)})
			hits := m.Check(&Message{Content: c.content})
			if got := len(hits) == 1; got != c.want {
				t.Fatalf("match = %v (%+v), want %v", got, hits, c.want)
			}
			if c.want && hits[0].Keyword != c.kw {
				t.Fatalf("keyword %q, want %q", hits[0].Keyword, c.kw)
			}
		})
	}
}

func TestAllowList(t *testing.T) {
	m := NewMatcher([]Rule{keywordRule(1, []string{"*cat*"}, []string{"catalog"}, nil)})
	if hits := m.Check(&Message{Content: "see the catalog"}); len(hits) != 0 {
		t.Fatalf("allowed word matched: %+v", hits)
	}
	if hits := m.Check(&Message{Content: "see the catalog and the cat"}); len(hits) != 1 || hits[0].Content != "cat" {
		t.Fatalf("a keyword beside an allowed word: %+v", hits)
	}
}

func TestRegex(t *testing.T) {
	m := NewMatcher([]Rule{keywordRule(1, nil, []string{"c[a4]t"}, []string{`b[a@]d\d+`})})
	hits := m.Check(&Message{Content: "so BAD42 indeed"})
	if len(hits) != 1 || hits[0].Keyword != `b[a@]d\d+` || hits[0].Content != "BAD42" {
		t.Fatalf("regex hit %+v", hits)
	}
	if hits := m.Check(&Message{Content: "bad"}); len(hits) != 0 {
		t.Fatalf("regex matched without digits: %+v", hits)
	}
	// The allow list applies to regex matches too.
	m = NewMatcher([]Rule{keywordRule(1, nil, []string{"c4t"}, []string{`c[a4]t\w*`})})
	if hits := m.Check(&Message{Content: "c4t is fine"}); len(hits) != 0 {
		t.Fatalf("allowed regex match: %+v", hits)
	}
	if hits := m.Check(&Message{Content: "c4tty"}); len(hits) != 1 {
		t.Fatalf("allowed regex match: %+v", hits)
	}
}

func TestExemptAndDisabled(t *testing.T) {
	r := keywordRule(1, []string{"cat"}, nil, nil)
	r.ExemptRoles, r.ExemptChannels = []chat.ID{10}, []chat.ID{20}
	off := keywordRule(2, []string{"dog"}, nil, nil)
	off.Enabled = false
	m := NewMatcher([]Rule{r, off})
	for _, msg := range []Message{{Content: "cat", Roles: []chat.ID{10}}, {Content: "cat", ChannelID: 20}, {Content: "dog"}} {
		if hits := m.Check(&msg); len(hits) != 0 {
			t.Fatalf("%+v matched %+v", msg, hits)
		}
	}
	if hits := m.Check(&Message{Content: "cat", Roles: []chat.ID{11}, ChannelID: 21}); len(hits) != 1 || hits[0].Rule.ID != 1 {
		t.Fatalf("not exempt, got %+v", hits)
	}
}

func TestManyRulesOneHitEach(t *testing.T) {
	var rules []Rule
	for i := range 50 {
		rules = append(rules, keywordRule(chat.ID(i+1), []string{fmt.Sprintf("word%d", i), "shared"}, nil, nil))
	}
	m := NewMatcher(rules)
	hits := m.Check(&Message{Content: "word7 and shared and shared again, word49"})
	if len(hits) != 50 {
		t.Fatalf("%d hits, want one per rule (50)", len(hits))
	}
	if hits := m.Check(&Message{Content: "word50 words"}); len(hits) != 0 {
		t.Fatalf("hits %+v", hits)
	}
}

func TestMentionSpamAndSpam(t *testing.T) {
	ms := Rule{ID: 1, EventType: EventMessageSend, TriggerType: TriggerMentionSpam, Enabled: true,
		TriggerMetadata: Metadata{MentionTotalLimit: 3}}
	sp := Rule{ID: 2, EventType: EventMessageSend, TriggerType: TriggerSpam, Enabled: true}
	m := NewMatcher([]Rule{ms, sp})
	if hits := m.Check(&Message{Mentions: 3}); len(hits) != 0 {
		t.Fatalf("at the limit: %+v", hits)
	}
	if hits := m.Check(&Message{Mentions: 4}); len(hits) != 1 || hits[0].Rule.ID != 1 {
		t.Fatalf("over the limit: %+v", hits)
	}
	var s Spam
	now := time.Unix(1000, 0)
	if s.Note(5, "buy", now) || s.Note(5, "buy", now.Add(time.Second)) || s.Note(6, "buy", now) {
		t.Fatal("flagged before the third copy")
	}
	if !s.Note(5, "buy", now.Add(2*time.Second)) {
		t.Fatal("third copy not flagged")
	}
	if s.Note(5, "buy", now.Add(2*time.Second+SpamWindow)) {
		t.Fatal("flagged after the window")
	}
	if hits := m.Check(&Message{Spam: true}); len(hits) != 1 || hits[0].Rule.ID != 2 {
		t.Fatalf("spam: %+v", hits)
	}
}

type fakeGuild struct{}

func (fakeGuild) HasRole(id chat.ID) bool    { return id == 1 }
func (fakeGuild) HasChannel(id chat.ID) bool { return id == 2 }

func TestValidate(t *testing.T) {
	long := make([]string, 11)
	for i := range long {
		long[i] = "a"
	}
	cases := []struct {
		name string
		edit func(r *Rule)
		path string
	}{
		{"bad regex", func(r *Rule) { r.TriggerMetadata.RegexPatterns = []string{"(unclosed"} }, "trigger_metadata.regex_patterns.0"},
		{"11 regexes", func(r *Rule) { r.TriggerMetadata.RegexPatterns = long }, "trigger_metadata.regex_patterns"},
		{"long regex", func(r *Rule) { r.TriggerMetadata.RegexPatterns = []string{string(make([]byte, 261))} }, "trigger_metadata.regex_patterns.0"},
		{"long keyword", func(r *Rule) { r.TriggerMetadata.KeywordFilter = []string{string(make([]rune, 61))} }, "trigger_metadata.keyword_filter.0"},
		{"no keywords", func(r *Rule) { r.TriggerMetadata.KeywordFilter = nil }, "trigger_metadata.keyword_filter"},
		{"no name", func(r *Rule) { r.Name = "" }, "name"},
		{"trigger 2", func(r *Rule) { r.TriggerType = 2 }, "trigger_type"},
		{"no actions", func(r *Rule) { r.Actions = nil }, "actions"},
		{"action 9", func(r *Rule) { r.Actions = []Action{{Type: 9}} }, "actions.0.type"},
		{"long timeout", func(r *Rule) {
			r.Actions = []Action{{Type: ActionTimeout, Metadata: ActionMetadata{DurationSeconds: MaxTimeoutSeconds + 1}}}
		}, "actions.0.metadata.duration_seconds"},
		{"alert to unknown channel", func(r *Rule) {
			r.Actions = []Action{{Type: ActionSendAlert, Metadata: ActionMetadata{ChannelID: 3}}}
		}, "actions.0.metadata.channel_id"},
		{"timeout on spam", func(r *Rule) {
			r.TriggerType = TriggerSpam
			r.Actions = []Action{{Type: ActionTimeout, Metadata: ActionMetadata{DurationSeconds: 60}}}
		}, "actions.0.type"},
		{"unknown exempt role", func(r *Rule) { r.ExemptRoles = []chat.ID{9} }, "exempt_roles.0"},
		{"21 exempt roles", func(r *Rule) { r.ExemptRoles = make([]chat.ID, 21) }, "exempt_roles"},
		{"51 exempt channels", func(r *Rule) { r.ExemptChannels = make([]chat.ID, 51) }, "exempt_channels"},
		{"mention limit 51", func(r *Rule) {
			r.TriggerType, r.TriggerMetadata = TriggerMentionSpam, Metadata{MentionTotalLimit: 51}
		}, "trigger_metadata.mention_total_limit"},
		{"preset 4", func(r *Rule) { r.TriggerType, r.TriggerMetadata = TriggerKeywordPreset, Metadata{Presets: []int{4}} }, "trigger_metadata.presets.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := keywordRule(1, []string{"cat"}, nil, nil)
			c.edit(&r)
			err := Validate(&r, fakeGuild{})
			var ae *protocol.APIError
			if !errors.As(err, &ae) || ae.Code != protocol.CodeInvalidFormBody || len(ae.Fields) != 1 || ae.Fields[0].Path != c.path {
				t.Fatalf("err = %v, want 50035 at %s", err, c.path)
			}
		})
	}
	ok := keywordRule(1, []string{"cat"}, []string{"catalog"}, []string{"c.t"})
	ok.ExemptRoles, ok.ExemptChannels = []chat.ID{1}, []chat.ID{2}
	ok.Actions = append(ok.Actions, Action{Type: ActionSendAlert, Metadata: ActionMetadata{ChannelID: 2}},
		Action{Type: ActionTimeout, Metadata: ActionMetadata{DurationSeconds: MaxTimeoutSeconds}})
	if err := Validate(&ok, fakeGuild{}); err != nil {
		t.Fatalf("valid rule: %v", err)
	}
}

func TestCheckLimit(t *testing.T) {
	var rules []Rule
	for range MaxKeywordRules {
		if err := CheckLimit(rules, TriggerKeyword); err != nil {
			t.Fatal(err)
		}
		rules = append(rules, Rule{TriggerType: TriggerKeyword})
	}
	var ae *protocol.APIError
	if err := CheckLimit(rules, TriggerKeyword); !errors.As(err, &ae) || ae.Fields[0].Path != "trigger_type" {
		t.Fatalf("7th keyword rule: %v", err)
	}
	if err := CheckLimit(rules, TriggerSpam); err != nil {
		t.Fatal(err)
	}
	if err := CheckLimit(append(rules, Rule{TriggerType: TriggerSpam}), TriggerSpam); err == nil {
		t.Fatal("second spam rule allowed")
	}
}

func TestEncodeDecode(t *testing.T) {
	r := keywordRule(7, []string{"cat"}, nil, nil)
	r.Normalize()
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil || got.ID != 7 || got.TriggerMetadata.KeywordFilter[0] != "cat" || got.ExemptRoles == nil {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
}

func TestMatchedContentAsWritten(t *testing.T) {
	m := NewMatcher([]Rule{keywordRule(1, []string{"ice cream*", "*ÉLAN*"}, nil, nil)})
	hits := m.Check(&Message{Content: "Some ICE...Creamery? and the bÉLANd"})
	if len(hits) != 1 || hits[0].Content != "ICE...Cream" {
		t.Fatalf("hits %+v", hits)
	}
	m = NewMatcher([]Rule{keywordRule(1, []string{"*élan*"}, nil, nil)})
	if hits := m.Check(&Message{Content: "the bÉLANd"}); len(hits) != 1 || hits[0].Content != "ÉLAN" {
		t.Fatalf("hits %+v", hits)
	}
}
