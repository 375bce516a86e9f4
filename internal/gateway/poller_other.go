//go:build !linux

package gateway

import "net"

// poller is Linux-only; elsewhere each connection has a reading goroutine.
type poller struct{}

func newPoller() (*poller, error) { return nil, nil }
func connFD(net.Conn) (int, bool) { return 0, false }
func (p *poller) add(*conn) error { return nil }
func (p *poller) rearm(*conn)     {}
func (p *poller) remove(*conn)    {}
func (p *poller) run()            {}
func (p *poller) close()          {}
func (p *poller) release()        {}
