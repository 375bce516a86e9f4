package chat

import (
	"encoding/json"
	"testing"
)

// FuzzParseID checks the two ways a snowflake arrives: a path or query
// value (ParseID) and a JSON value (UnmarshalJSON, string or number). An
// accepted ID is never zero from ParseID, prints back to a form ParseID
// reads as the same ID, and survives a JSON round trip as a string.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{
		"1", "0", "4194304", "175928847299117063", "18446744073709551615", "18446744073709551616",
		"-1", "+1", " 1", "1 ", "007", "1e3", "0x10", "", `"1"`, `""`, `"`, "null", `"null"`, `"-5"`, "1.0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, err := ParseID(s); err == nil {
			if id == 0 {
				t.Fatalf("ParseID(%q) accepted the zero ID", s)
			}
			checkID(t, id)
		}
		var id ID
		if err := id.UnmarshalJSON([]byte(s)); err != nil {
			return
		}
		checkID(t, id)
		// What JSON decoding accepts as a document, the ID decoder must
		// also accept as the value of a field.
		var v struct {
			ID ID `json:"id"`
		}
		if json.Valid([]byte(s)) {
			if err := json.Unmarshal([]byte(`{"id":`+s+`}`), &v); err != nil || v.ID != id {
				t.Fatalf("field decoding of %q: %v, %v; direct %v", s, v.ID, err, id)
			}
		}
	})
}

// checkID asserts the printed and JSON forms of id both parse back to it.
func checkID(t *testing.T, id ID) {
	t.Helper()
	if id != 0 {
		if back, err := ParseID(id.String()); err != nil || back != id {
			t.Fatalf("ParseID(%q) = %v, %v", id.String(), back, err)
		}
	}
	b, err := id.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `"` + id.String() + `"`; string(b) != want {
		t.Fatalf("MarshalJSON(%d) = %s, want %s", uint64(id), b, want)
	}
	var back ID
	if err := json.Unmarshal(b, &back); err != nil || back != id {
		t.Fatalf("JSON round trip of %d: %v, %v", uint64(id), back, err)
	}
}
