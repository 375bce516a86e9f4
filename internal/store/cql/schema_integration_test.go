//go:build integration

package cql_test

import (
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store/cql"
	"github.com/accordchat/accord/internal/store/storetest"
)

// TestSchemaAddsColumns opens a keyspace whose tables predate the embeds
// token_hash and interactions columns (made by dropping them) and checks that New adds
// them back, that a second New finds them and changes nothing, and that
// the store then reads and writes them.
func TestSchemaAddsColumns(t *testing.T) {
	const ks = "accord_migrate_test"
	cluster := gocql.NewCluster(hosts()...)
	cluster.Timeout = 30 * time.Second
	admin, err := cluster.CreateSession()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer admin.Close()
	t.Cleanup(func() { admin.Query(`DROP KEYSPACE IF EXISTS ` + ks).Exec() })

	open := func() *cql.Store {
		s, err := cql.New(t.Context(), cql.Config{Hosts: hosts(), Keyspace: ks})
		if err != nil {
			t.Fatalf("cql.New: %v", err)
		}
		return s
	}
	open().Close()
	for _, stmt := range []string{
		`ALTER TABLE ` + ks + `.messages DROP embeds`,
		`ALTER TABLE ` + ks + `.applications DROP token_hash`,
		`ALTER TABLE ` + ks + `.applications DROP interactions_key`,
		`ALTER TABLE ` + ks + `.applications DROP interactions_endpoint_url`,
	} {
		if err := admin.Query(stmt).Exec(); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	open().Close() // adds the columns
	s := open()    // finds them
	defer s.Close()

	ctx := t.Context()
	m := chat.Message{ID: snowflake.FromTime(time.Now()), ChannelID: storetest.NewID(), AuthorID: 1,
		Embeds: storetest.SampleEmbeds()}
	if err := s.PutMessage(ctx, m); err != nil {
		t.Fatalf("PutMessage: %v", err)
	}
	got, err := s.Message(ctx, m.ChannelID, m.ID)
	if err != nil || !storetest.Equal(got, m) {
		t.Fatalf("Message = %+v, %v; want %+v", got, err, m)
	}
	a := chat.Application{ID: storetest.NewID(), Name: "app", BotID: storetest.NewID(), TokenHash: []byte{1, 2, 3},
		InteractionsKey: storetest.RandomBytes(32), InteractionsEndpointURL: "https://bots.example/interactions"}
	if err := s.PutApplication(ctx, a); err != nil {
		t.Fatalf("PutApplication: %v", err)
	}
	gotApp, err := s.Application(ctx, a.ID)
	if err != nil || !storetest.Equal(gotApp, a) {
		t.Fatalf("Application = %+v, %v; want %+v", gotApp, err, a)
	}
}
