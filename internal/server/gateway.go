package server

import (
	"github.com/accordchat/accord/internal/dm"
	"github.com/accordchat/accord/internal/gateway"
)

// GatewayConfig holds the WebSocket gateway's settings, filled by cmd from
// flags.
type GatewayConfig struct {
	// ResumeURL overrides READY's resume_gateway_url (default: derived
	// from the request's Host).
	ResumeURL string
	// Options are the rest of the gateway's settings (heartbeat interval,
	// queue bounds, resume window...); Accounts and Guilds are filled in
	// here.
	Options gateway.Config
}

// mountGateway builds the WebSocket gateway on the guild registry and the
// account service, mounts it at /gateway, makes it the registry's session directory,
// and pushes its Shutdown onto the close stack (its counters are exported
// in metrics.go).
func (s *Server) mountGateway() error {
	cfg := s.cfg.Gateway.Options
	cfg.Accounts = s.Accounts
	cfg.Guilds = s.Guilds
	cfg.Private = s.DMs
	cfg.ReadStates = s.ReadStates
	if s.Node != nil {
		cfg.Guilds = s.Node
	}
	if cfg.Logger == nil {
		cfg.Logger = s.cfg.Logger
	}
	if s.cfg.Gateway.ResumeURL != "" {
		cfg.ResumeURL = s.cfg.Gateway.ResumeURL
	}
	// --rate-limits=false switches the gateway's limits off with the REST
	// ones (benches and load tests open thousands of sockets from one
	// address).
	cfg.DisableLimits = cfg.DisableLimits || s.cfg.DisableRateLimits
	gw, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	s.Gateway = gw
	s.Guilds.SetDirectory(gw)
	s.DMs.SetDelivery(dm.LocalDelivery{Sessions: gw})
	if s.Node != nil {
		// DM events reach every node's sessions through the node.
		s.DMs.SetDelivery(s.Node)
		// In a cluster, joins and user changes reach every node's
		// sessions through the node.
		s.Guilds.SetDirectory(s.Node)
		s.Node.SetGuilds(s.Guilds)
		s.Node.SetSessions(gw)
	}
	s.Handle("/gateway", gw)
	// discordgo appends "/" to the URL from GET /gateway before the query.
	s.Handle("/gateway/", gw)
	// Pushed after the guild registry, before the HTTP server: sessions
	// get op 7 RECONNECT once requests have drained, before the registry
	// and the store close.
	s.stack.push("gateway", gw.Shutdown)
	return nil
}
