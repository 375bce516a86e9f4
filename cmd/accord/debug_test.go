package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestServeDebugAddr: --debug-addr serves the profiler on its own listener,
// and the public address does not serve it.
func TestServeDebugAddr(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--log-format", "json", "--debug-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "ACCORD_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var got servedAddrs
	select {
	case got = <-servingAddr(stderr):
	case <-time.After(20 * time.Second):
		t.Fatal("accord serve did not log \"serving\"")
	}
	if got.debug == "" {
		t.Fatalf("addresses logged: %+v, want public and debug", got)
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + got.debug + "/debug/pprof/cmdline"); code != 200 || !strings.Contains(body, "serve") {
		t.Fatalf("debug cmdline: %d %q", code, body)
	}
	if code, body := get("http://" + got.debug + "/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("debug index: %d %.200q", code, body)
	}
	if _, body := get("http://" + got.public + "/debug/pprof/cmdline"); strings.Contains(body, "--debug-addr") {
		t.Fatalf("public address serves the profiler: %.200q", body)
	}
}
