package nats

import (
	"errors"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/bus"
	natsserver "github.com/nats-io/nats-server/v2/server"
)

// This file is the only non-test code that imports nats-server (the
// architecture test keeps it so): the server runs in process only for
// `accord serve --nats embedded` and for tests.

// EmbeddedOptions configures StartEmbedded. The zero value means the
// defaults.
type EmbeddedOptions struct {
	// Host to listen on. Default 127.0.0.1: an embedded server is for one
	// machine, never exposed.
	Host string
	// Port to listen on; 0 picks a free one.
	Port int
	// ReadyTimeout bounds the wait for the server to accept clients.
	// Default 5s.
	ReadyTimeout time.Duration
}

// StartEmbedded starts a nats-server in this process and returns its client
// URL and a shutdown function that stops it and waits until it has stopped
// (calling it again does nothing). JetStream is off; the bus needs none.
func StartEmbedded(o EmbeddedOptions) (url string, shutdown func(), err error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = natsserver.RANDOM_PORT
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 5 * time.Second
	}
	s, err := natsserver.NewServer(&natsserver.Options{
		ServerName: "accord-embedded",
		Host:       o.Host,
		Port:       o.Port,
		NoLog:      true,
		NoSigs:     true,
		MaxPayload: bus.MaxPayload,
	})
	if err != nil {
		return "", nil, fmt.Errorf("nats: embedded server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(o.ReadyTimeout) {
		s.Shutdown()
		s.WaitForShutdown()
		return "", nil, errors.New("nats: embedded server not ready within " + o.ReadyTimeout.String() + " (port in use?)")
	}
	return s.ClientURL(), func() {
		s.Shutdown()
		s.WaitForShutdown()
	}, nil
}
