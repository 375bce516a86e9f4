package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
)

func TestHandlerServesClient(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	tests := []struct {
		path     string
		status   int
		ctype    string
		contains string
	}{
		{"/", 200, "text/html", `<script type="module" src="js/app.js">`},
		{"/index.html", 200, "text/html", "<title>Accord</title>"},
		{"/app.css", 200, "text/css", "prefers-color-scheme"},
		{"/js/app.js", 200, "text/javascript", "import"},
		{"/js/views/messages.js", 200, "text/javascript", "export function openChannel"},
		{"/vendor/fflate.js", 200, "text/javascript", "Unzlib"},
		{"/missing.js", 404, "", ""},
		{"/js/../web.go", 404, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tc.ctype)
			}
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body does not contain %q", tc.contains)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			req.Header.Set("If-None-Match", etag)
			res2, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res2.Body.Close()
			if res2.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation status %d, want 304", res2.StatusCode)
			}
		})
	}
}

func TestHandlerRejectsWrites(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST / = %d, want 405", rec.Code)
	}
}

// TestIndexPreloadsEveryModule keeps index.html's modulepreload list in step
// with the modules: without a link, a module deep in the import graph is only
// requested once its importer has loaded, one round trip per level.
func TestIndexPreloadsEveryModule(t *testing.T) {
	index, err := fs.ReadFile(static, "static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".js" {
			return err
		}
		n++
		if link := `<link rel="modulepreload" href="` + p + `">`; !strings.Contains(string(index), link) {
			t.Errorf("index.html lacks %s", link)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("found %d modules; is static/js embedded?", n)
	}
}

// TestSecurityHeaders: every answer carries a strict Content-Security-Policy
// (no inline script or style, no framing) and the other security headers,
// and index.html holds nothing the policy would refuse.
func TestSecurityHeaders(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, p := range []string{"/", "/js/app.js", "/vendor/fflate.js", "/app.css", "/missing"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", p, csp, want)
			}
		}
		for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "*"} {
			if strings.Contains(csp, bad) {
				t.Errorf("%s: Content-Security-Policy %q allows %s", p, csp, bad)
			}
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", p, k, got, want)
			}
		}
	}
	index, err := fs.ReadFile(static, "static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := strings.ToLower(string(index))
	if strings.Count(html, "<script") != strings.Count(html, `<script type="module" src=`) {
		t.Error("index.html has an inline script")
	}
	for _, bad := range []string{"<style", " style=", " onload=", " onclick=", " onerror=", "javascript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("index.html has %q, which the policy refuses", bad)
		}
	}
}
