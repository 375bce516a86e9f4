package webhook

import (
	"strings"
	"testing"
)

func TestToken(t *testing.T) {
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 68 || strings.Contains(string(hash), tok) {
		t.Fatalf("token %q hash %x", tok, hash)
	}
	if !CheckToken(hash, tok) {
		t.Fatal("own token refused")
	}
	for _, bad := range []string{"", tok[:67], tok + "x", strings.Repeat("a", MaxTokenLen+1)} {
		if CheckToken(hash, bad) {
			t.Fatalf("accepted %q", bad)
		}
	}
	if CheckToken(nil, tok) {
		t.Fatal("accepted against no hash")
	}
	other, _, _ := NewToken()
	if other == tok {
		t.Fatal("two tokens alike")
	}
}

func TestGitHubIgnored(t *testing.T) {
	if _, err := GitHub("star", []byte(`{}`)); err != ErrIgnored {
		t.Fatalf("star: %v", err)
	}
	m, err := GitHub("issues", []byte(`{"action":"opened","repository":{"full_name":"o/r"},"issue":{"number":7,"title":"Bug","body":"it breaks"}}`))
	if err != nil || len(m.Embeds) != 1 || m.Embeds[0].Title != "[o/r] Issue opened: #7 Bug" || *m.Embeds[0].Color != colorOpened {
		t.Fatalf("issue: %+v %v", m, err)
	}
	if _, err := GitHub("push", []byte(`not json`)); err == nil || err == ErrIgnored {
		t.Fatalf("bad json: %v", err)
	}
}
