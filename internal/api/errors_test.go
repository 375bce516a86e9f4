package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// TestWriteError pins the mapping from errors to Discord bodies, including
// that internal error text never reaches the client.
func TestWriteError(t *testing.T) {
	h := &Handler{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tests := []struct {
		err    error
		status int
		code   int
	}{
		{fmt.Errorf("wrapped: %w", chat.ErrUnknownGuild), 404, protocol.CodeUnknownGuild},
		{chat.ErrUnknownChannel, 404, protocol.CodeUnknownChannel},
		{chat.ErrUnknownMessage, 404, protocol.CodeUnknownMessage},
		{chat.ErrUnknownUser, 404, protocol.CodeUnknownUser},
		{chat.ErrMissingAccess, 403, protocol.CodeMissingAccess},
		{chat.ErrMissingPerms, 403, protocol.CodeMissingPermissions},
		{errEmptyMessage, 400, protocol.CodeEmptyMessage},
		{errTooLarge, 413, protocol.CodeEntityTooLarge},
		{guild.ErrBusy, 429, 0},
		{guild.ErrClosed, 503, 0},
		{errors.New("pebble: disk on fire at /var/lib/secret"), 500, 0},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.writeError(w, httptest.NewRequest("GET", "/api/v10/x", nil), tt.err)
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: body %q: %v", tt.err, w.Body, err)
		}
		if w.Code != tt.status || body["code"] != float64(tt.code) {
			t.Errorf("%v: %d %v, want %d code %d", tt.err, w.Code, body, tt.status, tt.code)
		}
		if strings.Contains(w.Body.String(), "pebble") || strings.Contains(w.Body.String(), "wrapped") {
			t.Errorf("internal text leaked: %s", w.Body)
		}
		if tt.status == 429 && (body["retry_after"] == nil || w.Header().Get("Retry-After") == "") {
			t.Errorf("429 without retry_after: %s", w.Body)
		}
	}
}
