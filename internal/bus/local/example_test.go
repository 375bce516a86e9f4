package local_test

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/bus/local"
)

// Two nodes on one in-process network: n1, a guild's owner, sends node n2
// one Envelope for an event with n2's two recipient sessions; n2 answers a
// forwarded request.
func Example() {
	net := local.NewNetwork()
	n1, _ := net.Connect(local.Config{})
	n2, _ := net.Connect(local.Config{})
	defer n1.Close()
	defer n2.Close()

	got := make(chan bus.Envelope, 1)
	_, _ = n2.Subscribe(bus.NodeSubject("n2"), func(data []byte) {
		e, err := bus.DecodeEnvelope(data)
		if err == nil {
			got <- e
		}
	})
	_, _ = n2.Serve(bus.RPCSubject("n2"), func(ctx context.Context, req []byte) ([]byte, error) {
		return append([]byte("done: "), req...), nil
	})

	e := bus.Envelope{Guild: 42, Parts: []bus.Part{
		{Event: "MESSAGE_CREATE", Data: []byte(`{"content":"hi"}`), Sessions: []string{"s1", "s2"}},
	}}
	_ = n1.Publish(context.Background(), bus.NodeSubject("n2"), e.Append(nil))
	in := <-got
	fmt.Println(in.Guild, in.Parts[0].Event, string(in.Parts[0].Data), in.Parts[0].Sessions)

	reply, err := n1.Request(context.Background(), bus.RPCSubject("n2"), []byte("POST /channels/1/messages"))
	fmt.Println(string(reply), err)
	// Output:
	// 42 MESSAGE_CREATE {"content":"hi"} [s1 s2]
	// done: POST /channels/1/messages <nil>
}
