package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// fuzzAccounts knows one bot, token "t".
type fuzzAccounts struct{}

func (fuzzAccounts) TokenUser(_ context.Context, h []byte) (chat.ID, error) {
	if bytes.Equal(h, auth.HashToken("t")) {
		return 7, nil
	}
	return 0, store.ErrNotFound
}
func (fuzzAccounts) User(context.Context, chat.ID) (chat.User, error) {
	return chat.User{ID: 7, Username: "bot", Bot: true}, nil
}
func (fuzzAccounts) ApplicationByBot(context.Context, chat.ID) (chat.Application, error) {
	return chat.Application{ID: 8, BotID: 7, Flags: chat.AppFlagGatewayGuildMembersLimited}, nil
}
func (fuzzAccounts) UserGuilds(context.Context, chat.ID) ([]chat.ID, error) {
	return []chat.ID{1 << 22, 2 << 22}, nil
}

type fuzzGuilds struct{}

func (fuzzGuilds) Connect(_ context.Context, id chat.ID, s Subscriber, _ int) error {
	s.Send(&protocol.Dispatch{Name: "GUILD_CREATE", Data: []byte(`{}`)})
	return nil
}
func (fuzzGuilds) Disconnect(chat.ID, string)                       {}
func (fuzzGuilds) Subscribe(context.Context, chat.ID, string) error { return nil }
func (fuzzGuilds) UpdatePresence(context.Context, chat.ID, json.RawMessage) error {
	return nil
}
func (fuzzGuilds) RequestMembers(_ context.Context, _ chat.ID, req MembersRequest) ([]json.RawMessage, []chat.ID, error) {
	return make([]json.RawMessage, min(max(req.Limit, 0), 2500)), req.UserIDs, nil
}

// FuzzHandle runs arbitrary client payloads, after an optional IDENTIFY,
// through a connection's payload handler: no input may panic or leave the
// connection half-closed; a frame that is not a payload closes with 4002,
// and a command before IDENTIFY with 4003.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{
		`{"op":2,"d":{"token":"t","intents":513,"shard":[1,2]}}`,
		`{"op":6,"d":{"token":"t","session_id":"x","seq":3}}`,
		`{"op":8,"d":{"guild_id":"4194304","query":"","limit":1500,"nonce":"n"}}`,
		`{"op":8,"d":{"guild_id":"4194304","user_ids":["1",2]}}`,
		`{"op":3,"d":{"status":"idle"}}`,
		`{"op":1,"d":99}`,
		`{"op":14,"d":{}}`,
		`{"op":14,"d":{"guild_id":"4194304","typing":true,"activities":true,"threads":true,"channels":{"1":[[0,99]]}}}`,
		`{"op":14,"d":{"guild_id":"x"}}`,
		`{"op":37,"d":{"subscriptions":{"4194304":{"typing":true},"8388608":{}}}}`,
		`{"op":37,"d":{"subscriptions":{"0":{}}}}`,
		`{"op":37,"d":{"subscriptions":{"x":{}}}}`,
		`{"op":37,"d":null}`,
		`{"op":4,"d":{"guild_id":"4194304","channel_id":null}}`,
		`{"op":3,"d":[]}`,
		`{"op":8,"d":{"guild_id":"4194304","limit":0}}`,
		`{"op":2,"d":{"token":"nope","intents":1}}`,
		`{"op":2,"d":{"token":"t","intents":1099511627776}}`,
		`{"op":6,"d":{"token":"t","session_id":"x","seq":-1}}`,
		`{"op":99,"d":{}}`,
		`{"op":"1"}`,
		`not json`,
		`{"op":2,"d":{"token":"t","intents":2,"large_threshold":-5}}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	g, err := New(Config{Accounts: fuzzAccounts{}, Guilds: fuzzGuilds{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	identify := []byte(`{"op":2,"d":{"token":"t","intents":3}}`)
	f.Fuzz(func(t *testing.T, payload []byte, identified bool) {
		server, client := net.Pipe()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		defer client.Close()
		c := &conn{gw: g, nc: server, fd: -1, resumeURL: "ws://x/gateway"}
		// As at the upgrade: without it the heartbeat sweep may close the
		// connection (4009) in the middle of the run.
		c.lastBeat.Store(time.Now().UnixNano())
		g.mu.Lock()
		g.conns[c] = struct{}{}
		g.mu.Unlock()
		if identified && !c.handle(identify) {
			t.Fatal("IDENTIFY refused")
		}
		ok := c.handle(payload)
		c.mu.Lock()
		code := c.closeCode
		c.mu.Unlock()
		if !ok && code == 0 {
			t.Fatalf("handler refused %q without a close code", payload)
		}
		p, err := protocol.DecodePayload(payload)
		switch {
		case err != nil && (ok || code != protocol.CloseDecodeError):
			t.Fatalf("undecodable %q: kept %v, close %d; want 4002", payload, ok, code)
		case err == nil && !identified && p.Op != protocol.OpHeartbeat && p.Op != protocol.OpIdentify && p.Op != protocol.OpResume && ok:
			t.Fatalf("op %d accepted before IDENTIFY", p.Op)
		}
		c.close(protocol.CloseUnknownError)
	})
}
