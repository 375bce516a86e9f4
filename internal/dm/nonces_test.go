package dm

import (
	"strconv"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/guild"
)

func TestNoncesWindowAndBound(t *testing.T) {
	var n nonces
	now := time.Now()
	k := nonceKey{channel: 1, author: 2, nonce: "x"}
	n.put(k, []byte("body"), now)
	if b, ok := n.get(k, now.Add(time.Minute)); !ok || string(b) != "body" {
		t.Fatalf("within the window: %q %v", b, ok)
	}
	if _, ok := n.get(k, now.Add(guild.NonceWindow+time.Second)); ok {
		t.Fatal("remembered past the window")
	}
	if _, ok := n.get(nonceKey{channel: 1, author: 3, nonce: "x"}, now); ok {
		t.Fatal("another author's nonce matched")
	}
	for i := range maxNonces + 10 {
		n.put(nonceKey{channel: 9, author: 9, nonce: strconv.Itoa(i)}, nil, now.Add(time.Duration(i)*time.Microsecond))
	}
	if len(n.m) > maxNonces {
		t.Fatalf("%d nonces kept, bound %d", len(n.m), maxNonces)
	}
	if _, ok := n.get(nonceKey{channel: 9, author: 9, nonce: strconv.Itoa(maxNonces + 9)}, now); !ok {
		t.Fatal("the newest nonce was forgotten")
	}
}
