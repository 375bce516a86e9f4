// Package storetest is the conformance suite every store.Store backend must
// pass, plus the helpers a backend's own tests use to make IDs and messages
// and to check message pages against the reference rules.
//
// Run shares one store across all subtests, and every subtest draws fresh
// IDs (and usernames, token hashes, invite codes) from a snowflake generator,
// so a backend that is slow to create (CQL) is created once, and a keyspace
// left over from an earlier run does not disturb the next one.
package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Run runs the conformance suite. newStore is called once for the shared
// store and once more for the subtest that checks behaviour after Close; it
// must register its own cleanup (t.Cleanup) and may hand out a store that
// already holds data from earlier runs.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	groups := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"Users", testUsers},
		{"Credentials", testCredentials},
		{"Tokens", testTokens},
		{"Applications", testApplications},
		{"Guilds", testGuilds},
		{"Channels", testChannels},
		{"Roles", testRoles},
		{"Members", testMembers},
		{"Invites", testInvites},
		{"Messages", testMessages},
		{"Reactions", testReactions},
		{"Pins", testPins},
		{"Bans", testBans},
		{"MemberTimeout", testMemberTimeout},
		{"AuditLog", testAuditLog},
		{"Emojis", testEmojis},
		{"AutoMod", testAutoMod},
		{"Private", testPrivate},
		{"ReadStates", testReadStates},
		{"Threads", testThreads},
		{"Webhooks", testWebhooks},
		{"AppCommands", testAppCommands},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, s) })
	}
	t.Run("Closed", func(t *testing.T) { testClosed(t, newStore(t)) })
}

var ids = func() *snowflake.Generator {
	// A random worker and process keep two test processes sharing one CQL
	// keyspace from drawing the same IDs.
	n, err := rand.Int(rand.Reader, big.NewInt(32*32))
	if err != nil {
		panic(err)
	}
	g, err := snowflake.New(int(n.Int64()/32), int(n.Int64()%32))
	if err != nil {
		panic(err)
	}
	return g
}()

// NewID returns an ID no other call in this process returns, made from the
// current time. Use it for users, guilds and channels; message IDs at chosen
// times come from MessageAt.
func NewID() chat.ID { return ids.Next() }

// RandomBytes returns n random bytes, e.g. a token hash.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// RandomCode returns a random invite code.
func RandomCode() string { return hex.EncodeToString(RandomBytes(6)) }

// MessageAt returns a message in channelID whose ID is the first ID of
// time at plus seq (seq < 4096 keeps it in the same millisecond).
func MessageAt(channelID chat.ID, at time.Time, seq int) chat.Message {
	id := snowflake.FromTime(at) + chat.ID(seq)
	return chat.Message{
		ID:        id,
		ChannelID: channelID,
		AuthorID:  chat.ID(1000 + seq%7),
		Content:   fmt.Sprintf("message %d at %s", seq, at.UTC().Format(time.RFC3339)),
	}
}

// MessageIDs returns the IDs of ms in order.
func MessageIDs(ms []chat.Message) []chat.ID {
	out := make([]chat.ID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// WantPage is the reference implementation of store.Page: the IDs, newest
// first, that Messages must return for p in a channel holding exactly ids
// (in any order).
func WantPage(ids []chat.ID, p store.Page) []chat.ID {
	desc := slices.Clone(ids)
	slices.Sort(desc)
	slices.Reverse(desc)
	limit := p.Limit
	if limit < 1 {
		limit = 50
	}
	limit = min(limit, store.MaxPage)
	older := func(anchor chat.ID, n int) []chat.ID { // ids < anchor, newest first
		var out []chat.ID
		for _, id := range desc {
			if id < anchor && len(out) < n {
				out = append(out, id)
			}
		}
		return out
	}
	newer := func(anchor chat.ID, n int) []chat.ID { // ids >= anchor, closest n, newest first
		var out []chat.ID
		for i := len(desc) - 1; i >= 0 && len(out) < n; i-- {
			if desc[i] >= anchor {
				out = append(out, desc[i])
			}
		}
		slices.Reverse(out)
		return out
	}
	switch {
	case p.Before != 0:
		return older(p.Before, limit)
	case p.After != 0:
		return newer(p.After+1, limit)
	case p.Around != 0:
		return append(newer(p.Around, limit-limit/2), older(p.Around, limit/2)...)
	default:
		if len(desc) > limit {
			desc = desc[:limit]
		}
		return desc
	}
}

// CheckPage reads p from channelID and fails t unless the result is exactly
// WantPage(all, p), with each message's channel set. It returns the messages.
func CheckPage(t testing.TB, s store.Store, channelID chat.ID, all []chat.ID, p store.Page) []chat.Message {
	t.Helper()
	got, err := s.Messages(t.Context(), channelID, p)
	if err != nil {
		t.Fatalf("Messages(%d, %+v): %v", channelID, p, err)
	}
	want := WantPage(all, p)
	if gotIDs := MessageIDs(got); !slices.Equal(gotIDs, want) {
		t.Fatalf("Messages(%d, %+v):\n got %d ids %v\nwant %d ids %v", channelID, p, len(gotIDs), gotIDs, len(want), want)
	}
	for _, m := range got {
		if m.ChannelID != channelID {
			t.Fatalf("Messages(%d, %+v) returned message %d of channel %d", channelID, p, m.ID, m.ChannelID)
		}
	}
	return got
}

// Equal reports whether a and b hold the same data once normalised the way
// a backend may legitimately change it: times compared as instants (UTC,
// monotonic reading dropped) and empty slices equal to nil.
func Equal[T any](a, b T) bool {
	return reflect.DeepEqual(Normalize(a), Normalize(b))
}

// Normalize returns a copy of v with times in UTC and empty slices nil.
func Normalize[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	normalize(rv)
	return v
}

var timeType = reflect.TypeFor[time.Time]()

func normalize(v reflect.Value) {
	if v.Type() == timeType {
		if v.CanSet() {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC().Round(0)))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			c := reflect.New(v.Elem().Type())
			c.Elem().Set(v.Elem())
			normalize(c.Elem())
			v.Set(c)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				normalize(f)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			normalize(c.Index(i))
		}
		v.Set(c)
	}
}

// check fails t unless got equals want (see Equal).
func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !Equal(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, Normalize(got), Normalize(want))
	}
}

// ok fails t on a non-nil error.
func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// isErr fails t unless errors.Is(err, target).
func isErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// ms returns a time with millisecond precision, which every backend keeps.
func ms(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
