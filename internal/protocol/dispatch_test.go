package protocol

import (
	"encoding/json"
	"testing"
)

func TestAppendFrame(t *testing.T) {
	d := &Dispatch{Name: "MESSAGE_CREATE", Data: []byte(`{"id":"1"}`)}
	for _, seq := range []int64{0, 7, 1234567890123} {
		b := d.AppendFrame(nil, seq)
		var p struct {
			Op int             `json:"op"`
			T  string          `json:"t"`
			S  int64           `json:"s"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("frame %q: %v", b, err)
		}
		if p.Op != 0 || p.T != "MESSAGE_CREATE" || p.S != seq || string(p.D) != `{"id":"1"}` {
			t.Fatalf("frame %q decoded as %+v", b, p)
		}
	}
}
