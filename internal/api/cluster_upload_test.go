package api

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/accordchat/accord/internal/blob"
	blobfs "github.com/accordchat/accord/internal/blob/fs"
	"github.com/accordchat/accord/internal/signedurl"
)

// Must not do: an upload for a guild another node owns stores nothing
// here. The owner's check runs before the first file is written, and the
// whole multipart body is forwarded to run there, once.
func TestUploadRunsAtTheOwnerAndStoresNothingHere(t *testing.T) {
	p, f := &place{}, &forwarder{status: http.StatusOK}
	h, token, ch := clusterAPI(t, p, f)
	bs, err := blobfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signedurl.New(signedurl.Config{Secret: bytes.Repeat([]byte("s"), 32)})
	if err != nil {
		t.Fatal(err)
	}
	h.blobs, h.cfg.Blobs, h.cfg.Signer = bs, bs, signer
	p.set("n2")
	h.guilds.Release()

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	pw, _ := mw.CreateFormFile("files[0]", "big.bin")
	pw.Write(bytes.Repeat([]byte("z"), 2<<20)) // above MaxBodyBytes: uploads have their own cap
	mw.WriteField("payload_json", `{"content":"with a file"}`)
	mw.Close()
	r := httptest.NewRequest("POST", "/api/v10/channels/"+ch.String()+"/messages", bytes.NewReader(body.Bytes()))
	r.Header.Set("Authorization", token)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.String() != `{"from":"owner"}` {
		t.Fatalf("answer %d %s, want the owner's", w.Code, w.Body)
	}
	calls := f.made()
	if len(calls) != 1 || !bytes.Equal(calls[0].body, body.Bytes()) {
		t.Fatalf("forwarded %d calls (body intact: %v)", len(calls), len(calls) == 1 && bytes.Equal(calls[0].body, body.Bytes()))
	}
	n := 0
	if err := bs.List(context.Background(), "attachments/", func(blob.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d blobs stored at a node that does not own the guild", n)
	}
}
