package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store/pebble"
)

// The floor of durable ingest: Pebble alone, at the same concurrency, with
// the same synced batch per message that Accord's store writes (record and
// bucket index entry, the same sizes). Unlike the other scenarios it does
// not talk to a server: it opens a Pebble store of its own in Dir.

// IngestFloorConfig configures the ingest floor. Zero values mean defaults.
type IngestFloorConfig struct {
	// Dir is an empty directory for the store. Required.
	Dir string
	// Clients is how many goroutines write at once. Default 16.
	Clients int
	// Duration is how long they write. Default 10 s.
	Duration time.Duration
	// Channels spreads the writers over this many channels. Default 1.
	Channels int
	// Progress receives a line per second; nil discards.
	Progress io.Writer
}

// IngestFloor has Clients goroutines each commit one synced batch per
// message, as fast as Pebble acknowledges, for Duration. Its result has
// the ingest scenario's keys.
func IngestFloor(ctx context.Context, cfg IngestFloorConfig) (IngestResult, error) {
	if cfg.Dir == "" {
		return IngestResult{}, errors.New("bench: IngestFloorConfig.Dir is required")
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 16
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Channels <= 0 {
		cfg.Channels = 1
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	st, err := pebble.New(pebble.Config{Dir: cfg.Dir})
	if err != nil {
		return IngestResult{}, err
	}
	ids, err := snowflake.New(0, 0)
	if err != nil {
		return IngestResult{}, err
	}
	guild, author := ids.Next(), ids.Next()
	channels := make([]chat.ID, cfg.Channels)
	for i := range channels {
		channels[i] = ids.Next()
	}
	// The loop runs in this process, so its CPU is this process's; the
	// only other work here is the loop's own bookkeeping, as a server's
	// CPU includes its HTTP.
	res := measureIngest(ctx, cfg.Clients, cfg.Duration, cfg.Progress, os.Getpid(), func(_ context.Context, i int) func(context.Context) (time.Duration, error) {
		m := chat.Message{ChannelID: channels[i%len(channels)], GuildID: guild, AuthorID: author,
			Content: fmt.Sprintf("%s %d with some text to make it realistic", ingestContent, i)}
		return func(context.Context) (time.Duration, error) {
			m.ID = ids.Next()
			return 0, st.FloorPutMessage(m)
		}
	})
	res.Channels, res.Guilds = cfg.Channels, 1
	if err := st.Close(); err != nil {
		return res, err
	}
	return res, nil
}
