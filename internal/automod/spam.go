package automod

import (
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Spam's stand-in classifier: the same content SpamRepeats times from one
// member within SpamWindow.
const (
	SpamRepeats = 3
	SpamWindow  = 30 * time.Second
)

// Spam remembers each member's recent messages. It is not safe for
// concurrent use (the guild actor owns it).
type Spam struct {
	recent map[chat.ID][]spamEntry
}

type spamEntry struct {
	content string
	at      time.Time
}

// Note records content from userID at now and reports whether it is the
// SpamRepeats-th copy within SpamWindow.
func (s *Spam) Note(userID chat.ID, content string, now time.Time) bool {
	if content == "" {
		return false
	}
	if s.recent == nil {
		s.recent = map[chat.ID][]spamEntry{}
	} else if len(s.recent) >= 4096 {
		s.Prune(now)
	}
	kept := s.recent[userID][:0]
	same := 1
	for _, e := range s.recent[userID] {
		if now.Sub(e.at) < SpamWindow {
			kept = append(kept, e)
			if e.content == content {
				same++
			}
		}
	}
	if len(kept) >= 16 { // bound the memory per member
		kept = kept[1:]
	}
	s.recent[userID] = append(kept, spamEntry{content, now})
	return same >= SpamRepeats
}

// Prune forgets members with nothing within SpamWindow of now.
func (s *Spam) Prune(now time.Time) {
	for id, es := range s.recent {
		if len(es) == 0 || now.Sub(es[len(es)-1].at) >= SpamWindow {
			delete(s.recent, id)
		}
	}
}
