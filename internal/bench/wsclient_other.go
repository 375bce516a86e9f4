//go:build !linux

package bench

import (
	"context"
	"net"
)

// epollLoop exists only on Linux; elsewhere each connection has a reading
// goroutine.
type epollLoop struct{}

func startLoops(context.Context, *group) []*epollLoop { return nil }

func (*epollLoop) add(*gwConn, net.Conn) error { return nil }

func (*epollLoop) close() {}
