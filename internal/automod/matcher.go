package automod

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
)

// Keyword matching follows Discord's strategies: "cat" matches the whole
// word (or phrase) only, "cat*" a word starting with it, "*cat" a word
// ending with it and "*cat*" anywhere, all case-insensitively. Text and
// keywords are normalised alike: lower case, every run of characters that
// are neither letters nor digits made one space, with a space at each end.
// A strategy is then just where the pattern keeps its spaces (" cat ",
// " cat", "cat ", "cat"), so one automaton finds every keyword of every
// rule in one pass.

// normalize returns s lower-cased with non-word runs made single spaces
// and a space at each end.
func normalize(s string) string {
	n, _ := normalizeMap(s, false)
	return n
}

// normalizeMap is normalize that, when spans is set, also returns for
// each byte of the result the byte range [start, end) of s it came from
// (a separator's range is that of the non-word character it stands for),
// so that a match can be shown as the user wrote it.
func normalizeMap(s string, spans bool) (string, [][2]int) {
	var b strings.Builder
	b.Grow(len(s) + 2)
	var m [][2]int
	add := func(str string, start, end int) {
		b.WriteString(str)
		if spans {
			for range len(str) {
				m = append(m, [2]int{start, end})
			}
		}
	}
	add(" ", 0, 0)
	space := true
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if r == utf8.RuneError {
			end = i + 1
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			add(string(unicode.ToLower(r)), i, end)
			space = false
		} else if !space {
			add(" ", i, end)
			space = true
		}
	}
	if !space {
		add(" ", len(s), len(s))
	}
	return b.String(), m
}

// original returns the part of content that normalised to text[start:end]
// with its bounding spaces left out.
func original(content, text string, start, end int) string {
	for start < end && text[start] == ' ' {
		start++
	}
	for end > start && text[end-1] == ' ' {
		end--
	}
	if start == end {
		return ""
	}
	_, spans := normalizeMap(content, true)
	return content[spans[start][0]:spans[end-1][1]]
}

// pattern turns a keyword with its wildcards into the normalised
// substring to find; "" when nothing of it is a word.
func pattern(kw string) string {
	kw = strings.TrimSpace(kw)
	pre, suf := strings.HasPrefix(kw, "*"), strings.HasSuffix(kw, "*") && len(kw) > 1
	core := strings.Trim(normalize(strings.Trim(kw, "*")), " ")
	if core == "" {
		return ""
	}
	if !pre {
		core = " " + core
	}
	if !suf {
		core += " "
	}
	return core
}

// Message is what Check looks at.
type Message struct {
	Content   string
	ChannelID chat.ID
	// Roles are the author's roles.
	Roles []chat.ID
	// Mentions counts the unique users and roles the message mentions.
	Mentions int
	// Spam says the author's spam tracker flagged this message.
	Spam bool
}

// Hit is a rule that matched; Keyword is the keyword or regex pattern
// that did and Content the part of the message it matched.
type Hit struct {
	Rule    *Rule
	Keyword string
	Content string
}

type keywordRef struct {
	rule    int
	keyword string
}

type compiled struct {
	rule    Rule
	regexps []*regexp.Regexp
	allow   []string // allow-list patterns
}

// Matcher checks messages against a guild's enabled rules. It is
// immutable once built and safe for concurrent use.
type Matcher struct {
	rules    []compiled
	pats     []string       // automaton patterns
	patterns [][]keywordRef // by automaton pattern index
	ac       *automaton
	// others are the rules that need work besides the automaton: regex
	// patterns or a non-keyword trigger.
	others []int
}

// NewMatcher compiles rules; disabled rules and rules of other event
// types are left out. Patterns must have passed Validate.
func NewMatcher(rules []Rule) *Matcher {
	m := &Matcher{}
	index := map[string]int{}
	var pats []string
	for _, r := range rules {
		if !r.Enabled || r.EventType != EventMessageSend {
			continue
		}
		c := compiled{rule: r}
		for _, a := range r.TriggerMetadata.AllowList {
			if p := pattern(a); p != "" {
				c.allow = append(c.allow, p)
			}
		}
		ri := len(m.rules)
		if r.TriggerType == TriggerKeyword {
			for _, kw := range r.TriggerMetadata.KeywordFilter {
				p := pattern(kw)
				if p == "" {
					continue
				}
				i, ok := index[p]
				if !ok {
					i = len(pats)
					index[p] = i
					pats = append(pats, p)
					m.patterns = append(m.patterns, nil)
				}
				m.patterns[i] = append(m.patterns[i], keywordRef{ri, kw})
			}
			for _, re := range r.TriggerMetadata.RegexPatterns {
				if x, err := regexp.Compile("(?i)" + re); err == nil {
					c.regexps = append(c.regexps, x)
				}
			}
		}
		if len(c.regexps) > 0 || r.TriggerType != TriggerKeyword {
			m.others = append(m.others, ri)
		}
		m.rules = append(m.rules, c)
	}
	m.pats, m.ac = pats, newAutomaton(pats)
	return m
}

// Has reports whether an enabled rule has the trigger type, so that a
// caller keeps spam state only when a spam rule needs it.
func (m *Matcher) Has(trigger int) bool {
	if m == nil {
		return false
	}
	for i := range m.rules {
		if m.rules[i].rule.TriggerType == trigger {
			return true
		}
	}
	return false
}

// Empty reports whether no rule is enabled, so a caller can skip Check.
func (m *Matcher) Empty() bool { return m == nil || len(m.rules) == 0 }

// exempt reports whether rule c does not apply to msg's channel or roles.
func (c *compiled) exempt(msg *Message) bool {
	if slices.Contains(c.rule.ExemptChannels, msg.ChannelID) {
		return true
	}
	for _, r := range msg.Roles {
		if slices.Contains(c.rule.ExemptRoles, r) {
			return true
		}
	}
	return false
}

// allowed reports whether the words of text around [start, end) are on
// c's allow list.
func (c *compiled) allowed(text string, start, end int) bool {
	if len(c.allow) == 0 {
		return false
	}
	for start > 0 && text[start-1] != ' ' {
		start--
	}
	for end < len(text) && text[end] != ' ' {
		end++
	}
	// The span with its bounding spaces, so allow patterns compare with
	// the same strategies as keywords.
	span := text[max(start-1, 0):min(end+1, len(text))]
	for _, a := range c.allow {
		if strings.Contains(span, a) {
			return true
		}
	}
	return false
}

// Check returns the rules msg triggers, at most one hit per rule:
// keyword hits first, then the rest in rule order.
func (m *Matcher) Check(msg *Message) []Hit {
	if m.Empty() {
		return nil
	}
	var hits []Hit
	// hitRule is made on the first hit: most messages match nothing.
	var hitRule map[int]bool
	if len(m.patterns) > 0 && msg.Content != "" {
		text := normalize(msg.Content)
		m.ac.scan(text, func(p int32, end int) bool {
			start := end - len(m.pats[p])
			for _, ref := range m.patterns[p] {
				c := &m.rules[ref.rule]
				if hitRule[ref.rule] || c.exempt(msg) || c.allowed(text, start, end) {
					continue
				}
				if hitRule == nil {
					hitRule = map[int]bool{}
				}
				hitRule[ref.rule] = true
				hits = append(hits, Hit{Rule: &c.rule, Keyword: ref.keyword, Content: original(msg.Content, text, start, end)})
			}
			return true
		})
	}
	for _, i := range m.others {
		c := &m.rules[i]
		if hitRule[i] || c.exempt(msg) {
			continue
		}
		switch c.rule.TriggerType {
		case TriggerKeyword:
			for _, re := range c.regexps {
				loc := re.FindStringIndex(msg.Content)
				if loc == nil {
					continue
				}
				found := msg.Content[loc[0]:loc[1]]
				if nt := normalize(found); c.allowed(nt, 1, len(nt)-1) {
					continue
				}
				hits = append(hits, Hit{Rule: &c.rule, Keyword: re.String()[len("(?i)"):], Content: found})
				break
			}
		case TriggerMentionSpam:
			if msg.Mentions > c.rule.TriggerMetadata.MentionTotalLimit {
				hits = append(hits, Hit{Rule: &c.rule})
			}
		case TriggerSpam:
			if msg.Spam {
				hits = append(hits, Hit{Rule: &c.rule})
			}
		}
	}
	return hits
}
