package bench_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/bench"
	"github.com/accordchat/accord/internal/server"
)

// TestMedia runs the media bench small against an in-process server with
// the fs blob store: every phase measured something, p50 <= p99, nothing
// failed, and the --json line has exactly the contract's keys.
func TestMedia(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{DisableRateLimits: true}) // a load test, as `accord bench` runs it
	var progress bytes.Buffer
	res, err := bench.Media(context.Background(), bench.MediaConfig{Target: s.URL(), Uploaders: 2, FileBytes: 64 << 10,
		Duration: 400 * time.Millisecond, ResizeImages: 1, ImageSide: 256, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Uploads <= 0 || res.UploadMBps <= 0 || res.UploadP50ms <= 0 || res.UploadP99ms < res.UploadP50ms {
		t.Errorf("upload figures: %+v", res)
	}
	if res.CDNGets <= 0 || res.CDNMBps <= 0 || res.CDNP50ms <= 0 || res.CDNP99ms < res.CDNP50ms {
		t.Errorf("CDN figures: %+v", res)
	}
	// A 256-pixel image is resized to 16, 32, 64 and 128.
	if res.Resizes != 4 || res.ColdP50ms <= 0 || res.ColdP99ms < res.ColdP50ms || res.CachedP50ms <= 0 || res.CachedP99ms < res.CachedP50ms {
		t.Errorf("resize figures: %+v", res)
	}
	if res.Errors != 0 || res.FileBytes != 64<<10 || res.Uploaders != 2 || res.Downloaders != 2 || res.ImageSide != 256 {
		t.Errorf("run: %+v", res)
	}
	if !strings.Contains(progress.String(), "resize image 1/1") {
		t.Errorf("progress %q", progress.String())
	}
	want := []string{"cdn_gets", "cdn_mb_per_sec", "cdn_p50_ms", "cdn_p99_ms", "cdn_seconds", "downloaders", "errors", "file_bytes",
		"image_side", "resize_cached_p50_ms", "resize_cached_p99_ms", "resize_cold_p50_ms", "resize_cold_p99_ms", "resize_images",
		"resize_seconds", "resizes", "upload_mb_per_sec", "upload_p50_ms", "upload_p99_ms", "upload_seconds", "uploaders", "uploads"}
	if got := jsonKeys(t, res.JSON()); !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON keys %v, want exactly %v", got, want)
	}
}
