package server

// GatewayConfig holds the WebSocket gateway's settings, filled by cmd from
// flags. The gateway package wires itself in mountGateway.
type GatewayConfig struct {
	// ResumeURL overrides READY's resume_gateway_url (default: derived
	// from the request's Host).
	ResumeURL string
}

// mountGateway is where the WebSocket gateway is built and mounted at
// /gateway: gateway.New with s.Guilds (guild actors: Connect, Disconnect,
// UpdatePresence, RequestMembers, SetDirectory) and s.Store (accounts), then
// s.Handle("/gateway", gw) and s.OnShutdown(gw.Shutdown) so sessions get op 7
// RECONNECT before the registry and store close.
func (s *Server) mountGateway() error {
	return nil
}
