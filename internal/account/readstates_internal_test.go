package account

import (
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// TestReadStateVersions: versions grow strictly even when acks come
// faster than the clock's second, and fit the 32 bits clients keep.
func TestReadStateVersions(t *testing.T) {
	now := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	r := &ReadStates{now: func() time.Time { return now }}
	last := r.version()
	for range 5 {
		v := r.version()
		if v <= last {
			t.Fatalf("version %d after %d", v, last)
		}
		last = v
	}
	if last > 1<<31-1 {
		t.Fatalf("version %d does not fit 32 bits", last)
	}
	now = now.Add(time.Hour)
	if v := r.version(); v < (now.UnixMilli()-1420070400000)/1000 {
		t.Fatalf("version %d lags the clock", v)
	}
}

// TestMentions: a message mentions a user by name, by @everyone/@here
// (the flag the guild set), or by a role the user holds; nothing else
// counts.
func TestMentions(t *testing.T) {
	const user, role, other chat.ID = 1, 2, 3
	for _, c := range []struct {
		name string
		m    chat.Message
		want bool
	}{
		{"ByName", chat.Message{Mentions: []chat.ID{other, user}}, true},
		{"Everyone", chat.Message{MentionEveryone: true}, true},
		{"HeldRole", chat.Message{MentionRoles: []chat.ID{role}}, true},
		{"OtherRole", chat.Message{MentionRoles: []chat.ID{other}}, false},
		{"SomeoneElse", chat.Message{Mentions: []chat.ID{other}}, false},
		{"Plain", chat.Message{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Mentions(c.m, user, []chat.ID{role}); got != c.want {
				t.Fatalf("Mentions = %v, want %v", got, c.want)
			}
		})
	}
}
