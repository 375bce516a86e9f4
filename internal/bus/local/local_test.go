package local_test

import (
	"testing"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/bus/bustest"
	"github.com/accordchat/accord/internal/bus/local"
)

type network struct{ n *local.Network }

func (n network) Connect(t *testing.T, o bustest.Options) bus.Bus {
	b, err := n.n.Connect(local.Config{PendingMsgs: o.PendingMsgs, MaxInflight: o.MaxInflight})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T) bustest.Network { return network{local.NewNetwork()} })
}

func TestConfigRejectsNegativeLimits(t *testing.T) {
	if _, err := local.New(local.Config{PendingMsgs: -1}); err == nil {
		t.Error("negative PendingMsgs accepted")
	}
}
