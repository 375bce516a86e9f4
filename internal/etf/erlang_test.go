//go:build etf

package etf

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// These tests check the encoder and decoder against Erlang/OTP itself
// (term_to_binary, binary_to_term), run as a subprocess: scripts/test
// installs erlang-base and runs `go test -tags etf ./internal/etf/...`.

// otpJSON is what ToJSON must make of testdata/otp.escript's terms(), in
// order.
var otpJSON = []string{
	`{"op":0,"t":"MESSAGE_CREATE","s":42,"d":{"id":"1234567890123456789","content":"héllo 🎉","embeds":[],"nonce":null,"tts":false,"pinned":true}}`,
	`[0,255,256,-1,2147483647,2147483648,-2147483648,-2147483649,9223372036854775807,-9223372036854775808,18446744073709551615,-18446744073709551615]`,
	`[1.5,-0.25,1e+300,3.141592653589793]`,
	`{"nested":[{"a":[[[]]]}]}`,
	`"\"quotes\" \\ and \n"`,
	`{}`,
	`[null,true,false,""]`,
}

func otp(t *testing.T, args ...string) {
	t.Helper()
	escript, err := exec.LookPath("escript")
	if err != nil {
		t.Fatalf("Erlang/OTP's escript is not installed (apt-get install erlang-base): %v", err)
	}
	cmd := exec.Command(escript, append([]string{filepath.Join("testdata", "otp.escript")}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("escript %v: %v\n%s", args, err, out)
	}
}

func writeTerms(t *testing.T, path string, terms [][]byte) {
	t.Helper()
	var b []byte
	for _, term := range terms {
		b = binary.BigEndian.AppendUint32(b, uint32(len(term)))
		b = append(b, term...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readTerms(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var terms [][]byte
	for len(b) > 0 {
		if len(b) < 4 || int(binary.BigEndian.Uint32(b)) > len(b)-4 {
			t.Fatalf("%s: bad framing", path)
		}
		n := int(binary.BigEndian.Uint32(b))
		terms = append(terms, b[4:4+n])
		b = b[4+n:]
	}
	return terms
}

// Go encodes, OTP decodes and re-encodes, Go decodes: the JSON survives,
// and where term_to_binary has no choice to make (no maps, no atoms) its
// bytes are ours.
func TestOTPDecodesOurs(t *testing.T) {
	docs := append([]string{
		`[1,-1,255,256,-2147483648,2147483647,2147483648,-2147483649,9223372036854775807,-9223372036854775808,18446744073709551615,-18446744073709551615]`,
		`[0.5,-1.25,1e+300,1e-300]`,
		`["日本語 🎉","",[]]`,
		`{"op":2,"d":{"token":"Bot abc","intents":513,"properties":{"os":"linux"},"shard":[0,1],"presence":null}}`,
	}, otpJSON...)
	exact := map[int]bool{0: true, 1: true, 2: true}
	var ours [][]byte
	for _, doc := range docs {
		term, err := AppendJSON([]byte{Version}, []byte(doc))
		if err != nil {
			t.Fatalf("AppendJSON(%s): %v", doc, err)
		}
		ours = append(ours, term)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	writeTerms(t, in, ours)
	otp(t, "echo", in, out)
	theirs := readTerms(t, out)
	if len(theirs) != len(docs) {
		t.Fatalf("OTP returned %d terms, want %d", len(theirs), len(docs))
	}
	for i, term := range theirs {
		if exact[i] && !bytes.Equal(term, ours[i]) {
			t.Errorf("term_to_binary(binary_to_term(%s)) =\n%x, ours\n%x", docs[i], term, ours[i])
		}
		got, err := ToJSON(nil, term)
		if err != nil {
			t.Fatalf("ToJSON(OTP's %x): %v", term, err)
		}
		if !sameJSON(t, docs[i], string(got)) {
			t.Errorf("through OTP, %s came back as %s", docs[i], got)
		}
	}
}

// OTP encodes, Go decodes and re-encodes, OTP decodes and compares with
// =:= (exact, integers and floats apart).
func TestOursDecodesOTP(t *testing.T) {
	dir := t.TempDir()
	gen, back := filepath.Join(dir, "gen"), filepath.Join(dir, "back")
	otp(t, "gen", gen)
	terms := readTerms(t, gen)
	if len(terms) != len(otpJSON) {
		t.Fatalf("OTP wrote %d terms, want %d", len(terms), len(otpJSON))
	}
	var ours [][]byte
	for i, term := range terms {
		got, err := ToJSON(nil, term)
		if err != nil {
			t.Fatalf("ToJSON(%s): %v", hex.EncodeToString(term), err)
		}
		if !sameJSON(t, otpJSON[i], string(got)) {
			t.Errorf("ToJSON(term_to_binary(term %d)) = %s, want %s", i+1, got, otpJSON[i])
		}
		re, err := AppendJSON([]byte{Version}, got)
		if err != nil {
			t.Fatalf("AppendJSON(%s): %v", got, err)
		}
		ours = append(ours, re)
	}
	writeTerms(t, back, ours)
	otp(t, "check", back)
}
