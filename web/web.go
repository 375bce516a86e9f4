// Package web is Accord's browser client: static files (HTML, CSS and ES
// modules, no build step) embedded into the binary and served at "/".
//
// The client talks to the server only through the public REST v10 and Gateway
// v10 APIs, like any third-party client would, so this package imports nothing
// from the rest of Accord. The end-to-end tests that drive it in a real
// Chromium live in web/e2e and run from scripts/test-web.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// file is one embedded asset with what is needed to answer for it.
type file struct {
	data  []byte
	etag  string
	ctype string
}

// contentSecurityPolicy is sent with every file of the client. Scripts and
// styles come only from this origin, with nothing inline: no inline
// script, style element or style attribute (the client sets colours
// through CSSOM, which the policy does not govern), no eval. connect-src
// allows WebSockets to any host because the gateway URL comes from GET
// /gateway and may name another host (resume_gateway_url); REST stays on
// this origin. frame-ancestors 'none' (with X-Frame-Options for older
// browsers) keeps the client out of other sites' frames (clickjacking).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' ws: wss:; object-src 'none'; worker-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// securityHeaders are set on every answer of the handler, 404s included.
var securityHeaders = [][2]string{
	{"Content-Security-Policy", contentSecurityPolicy},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
}

// Handler returns an http.Handler serving the client. It answers GET and HEAD
// for the embedded files ("/" is index.html), with strong ETags so a browser
// revalidates cheaply and always sees the files of the running binary. It is
// safe for concurrent use.
func Handler() http.Handler {
	files, err := load()
	if err != nil {
		// The files are compiled in; failing to read them is a build defect.
		panic("web: reading embedded files: " + err.Error())
	}
	return &handler{files: files}
}

func load() (map[string]*file, error) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	files := map[string]*file{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		files["/"+p] = &file{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: ctype}
		return nil
	})
	return files, err
}

type handler struct {
	files map[string]*file // read-only after Handler returns
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	for _, kv := range securityHeaders {
		hd.Set(kv[0], kv[1])
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405: Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/" || p == "" {
		p = "/index.html"
	}
	f, ok := h.files[p]
	if !ok || strings.Contains(p, "..") {
		http.NotFound(w, r)
		return
	}
	hd.Set("Content-Type", f.ctype)
	hd.Set("ETag", f.etag)
	// Revalidate every time: the ETag makes that a 304, and an upgraded
	// binary is picked up at the next reload.
	hd.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(f.data))
}
