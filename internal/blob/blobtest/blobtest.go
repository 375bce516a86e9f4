// Package blobtest is the conformance suite every blob.Store backend runs:
// Run(t, newStore) checks round trips, metadata, ranges, replacement,
// deletion, listing, key validation and that a failed Put leaves nothing.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/accordchat/accord/internal/blob"
)

// Run runs the suite. newStore returns an empty store; keys are unique per
// subtest, so one store may serve them all.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	s := newStore(t)
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, s) })
	t.Run("UnknownSize", func(t *testing.T) { testUnknownSize(t, s) })
	t.Run("Ranges", func(t *testing.T) { testRanges(t, s) })
	t.Run("Replace", func(t *testing.T) { testReplace(t, s) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, s) })
	t.Run("List", func(t *testing.T) { testList(t, s) })
	t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, s) })
	t.Run("FailedPutLeavesNothing", func(t *testing.T) { testFailedPut(t, s) })
}

func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func put(t *testing.T, s blob.Store, key string, b []byte, meta blob.Meta) {
	t.Helper()
	if err := s.Put(t.Context(), key, bytes.NewReader(b), int64(len(b)), meta); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func get(t *testing.T, s blob.Store, key string, rng *blob.Range) ([]byte, blob.Info) {
	t.Helper()
	rc, info, err := s.Get(t.Context(), key, rng)
	if err != nil {
		t.Fatalf("Get %s %+v: %v", key, rng, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get %s: read: %v", key, err)
	}
	return b, info
}

func testRoundTrip(t *testing.T, s blob.Store) {
	data := random(t, 300<<10)
	meta := blob.Meta{"content-type": "image/png", "filename": "cat.png", "channel": "123"}
	put(t, s, "rt/a/b.bin", data, meta)
	got, info := get(t, s, "rt/a/b.bin", nil)
	if !bytes.Equal(got, data) {
		t.Fatalf("Get returned %d bytes, not the %d put", len(got), len(data))
	}
	if info.Size != int64(len(data)) || info.Key != "rt/a/b.bin" || info.ETag == "" || info.ModTime.IsZero() {
		t.Errorf("Info = %+v", info)
	}
	for k, v := range meta {
		if info.Meta[k] != v {
			t.Errorf("Meta[%s] = %q, want %q", k, info.Meta[k], v)
		}
	}
	st, err := s.Stat(t.Context(), "rt/a/b.bin")
	if err != nil || st.Size != info.Size || st.ETag != info.ETag || st.Meta["filename"] != "cat.png" {
		t.Errorf("Stat = %+v, %v; want the Get info %+v", st, err, info)
	}
	put(t, s, "rt/empty", nil, nil)
	if got, info := get(t, s, "rt/empty", nil); len(got) != 0 || info.Size != 0 {
		t.Errorf("empty blob: %d bytes, size %d", len(got), info.Size)
	}
	if _, err := s.Stat(t.Context(), "rt/missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat missing = %v, want ErrNotFound", err)
	}
	if _, _, err := s.Get(t.Context(), "rt/missing", nil); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get missing = %v, want ErrNotFound", err)
	}
}

func testUnknownSize(t *testing.T, s blob.Store) {
	data := random(t, 70<<10)
	if err := s.Put(t.Context(), "unknown/x", io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:])), -1, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, s, "unknown/x", nil); !bytes.Equal(got, data) {
		t.Fatalf("unknown-size Put: got %d bytes, want %d", len(got), len(data))
	}
}

func testRanges(t *testing.T, s blob.Store) {
	data := random(t, 10000)
	put(t, s, "ranges/r", data, nil)
	for _, c := range []struct {
		name string
		rng  blob.Range
		want []byte
	}{
		{"head", blob.Range{Offset: 0, Length: 100}, data[:100]},
		{"middle", blob.Range{Offset: 5000, Length: 17}, data[5000:5017]},
		{"tail", blob.Range{Offset: 9990, Length: -1}, data[9990:]},
		{"past the end is clipped", blob.Range{Offset: 9999, Length: 50}, data[9999:]},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, info := get(t, s, "ranges/r", &c.rng)
			if !bytes.Equal(got, c.want) {
				t.Errorf("got %d bytes, want %d", len(got), len(c.want))
			}
			if info.Size != int64(len(data)) {
				t.Errorf("Info.Size = %d, want the whole blob's %d", info.Size, len(data))
			}
		})
	}
	for _, bad := range []blob.Range{{Offset: 10000, Length: 1}, {Offset: 20000, Length: -1}, {Offset: -1, Length: 1}} {
		if _, _, err := s.Get(t.Context(), "ranges/r", &bad); !errors.Is(err, blob.ErrInvalidRange) {
			t.Errorf("Get range %+v = %v, want ErrInvalidRange", bad, err)
		}
	}
}

func testReplace(t *testing.T, s blob.Store) {
	put(t, s, "replace/k", []byte("first version"), blob.Meta{"v": "1"})
	_, first := get(t, s, "replace/k", nil)
	put(t, s, "replace/k", []byte("second"), blob.Meta{"v": "2"})
	got, info := get(t, s, "replace/k", nil)
	if string(got) != "second" || info.Meta["v"] != "2" {
		t.Errorf("after replace: %q meta %v", got, info.Meta)
	}
	if info.ETag == first.ETag {
		t.Errorf("ETag %q did not change with the bytes", info.ETag)
	}
}

func testDelete(t *testing.T, s blob.Store) {
	put(t, s, "delete/k", []byte("x"), nil)
	if err := s.Delete(t.Context(), "delete/k"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "delete/k"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), "delete/k"); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
}

func testList(t *testing.T, s blob.Store) {
	keys := []string{"list/a/1", "list/a/2", "list/b/1", "list/ab"}
	for _, k := range keys {
		put(t, s, k, []byte(k), blob.Meta{"k": k[5:6]})
	}
	put(t, s, "listx/other", []byte("no"), nil)
	list := func(prefix string) []string {
		var out []string
		err := s.List(t.Context(), prefix, func(info blob.Info) error {
			if info.Size != int64(len(info.Key)) || info.Meta["k"] != info.Key[5:6] {
				t.Errorf("List info %+v", info)
			}
			out = append(out, info.Key)
			return nil
		})
		if err != nil {
			t.Fatalf("List %q: %v", prefix, err)
		}
		return out
	}
	if got, want := list("list/"), []string{"list/a/1", "list/a/2", "list/ab", "list/b/1"}; !slices.Equal(got, want) {
		t.Errorf("List list/ = %v, want %v", got, want)
	}
	if got, want := list("list/a/"), []string{"list/a/1", "list/a/2"}; !slices.Equal(got, want) {
		t.Errorf("List list/a/ = %v, want %v", got, want)
	}
	if got := list("nothing/"); len(got) != 0 {
		t.Errorf("List nothing/ = %v", got)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.List(t.Context(), "list/", func(blob.Info) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("List with fn error: %v after %d calls, want stop after 1", err, n)
	}
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	for _, k := range []string{"", "../escape", "a/../b", "/abs", "a//b", "a/.hidden", "sp ace", "a/b/", "ünï"} {
		if err := s.Put(t.Context(), k, bytes.NewReader([]byte("x")), 1, nil); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put %q = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := s.Get(t.Context(), k, nil); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Get %q = %v, want ErrInvalidKey", k, err)
		}
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func testFailedPut(t *testing.T, s blob.Store) {
	cut := errors.New("connection cut")
	data := random(t, 40<<10)
	for _, size := range []int64{int64(len(data)) * 2, -1} {
		err := s.Put(t.Context(), "failed/k", &failingReader{data: data, err: cut}, size, nil)
		if err == nil {
			t.Fatalf("Put from a failing reader (size %d) succeeded", size)
		}
		if _, err := s.Stat(t.Context(), "failed/k"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("after a failed Put (size %d): Stat = %v, want ErrNotFound", size, err)
		}
	}
	// Bytes that fall short of, or run past, the announced size.
	if err := s.Put(t.Context(), "failed/short", bytes.NewReader(data[:10]), 20, nil); err == nil {
		t.Error("short Put succeeded")
	}
	if err := s.Put(t.Context(), "failed/long", bytes.NewReader(data[:30]), 20, nil); err == nil {
		t.Error("long Put succeeded")
	}
	for _, k := range []string{"failed/short", "failed/long"} {
		if _, err := s.Stat(t.Context(), k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s: Stat = %v, want ErrNotFound", k, err)
		}
	}
	// An earlier blob survives a failed replacement.
	put(t, s, "failed/keep", []byte("kept"), nil)
	_ = s.Put(t.Context(), "failed/keep", &failingReader{data: data, err: cut}, -1, nil)
	if got, _ := get(t, s, "failed/keep", nil); string(got) != "kept" {
		t.Errorf("after a failed replacement: %q, want the earlier blob", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Put(ctx, "failed/cancelled", bytes.NewReader(data), int64(len(data)), nil); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
}
