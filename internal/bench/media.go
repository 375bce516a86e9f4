package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MediaConfig configures the media scenario. Zero values mean defaults.
type MediaConfig struct {
	// Target is the server's base URL, e.g. "http://127.0.0.1:8080". Required.
	Target string
	// Uploaders is the number of concurrent uploading clients. Default 8.
	Uploaders int
	// FileBytes is the size of each uploaded file. Default 1 MiB.
	FileBytes int
	// Duration is how long each of the upload and CDN phases runs.
	// Default 10 s.
	Duration time.Duration
	// Downloaders is the number of concurrent CDN readers. Default
	// Uploaders.
	Downloaders int
	// ResizeImages is how many attachments of the test image are resized:
	// each once cold and once cached at every size below its side.
	// Default 4.
	ResizeImages int
	// ImageSide is the test image's width and height. Default 2048.
	ImageSide int
	// Progress receives a line per second while running; nil discards.
	Progress io.Writer
}

// MediaResult holds the figures of one run. The JSON keys are the
// contract of `accord bench media --json`. MB is 10^6 bytes; latencies
// are of whole requests (the body sent or read to its end).
type MediaResult struct {
	Uploads      int64   `json:"uploads"`
	UploadMBps   float64 `json:"upload_mb_per_sec"`
	UploadP50ms  float64 `json:"upload_p50_ms"`
	UploadP99ms  float64 `json:"upload_p99_ms"`
	CDNGets      int64   `json:"cdn_gets"`
	CDNMBps      float64 `json:"cdn_mb_per_sec"`
	CDNP50ms     float64 `json:"cdn_p50_ms"`
	CDNP99ms     float64 `json:"cdn_p99_ms"`
	Resizes      int     `json:"resizes"`
	ColdP50ms    float64 `json:"resize_cold_p50_ms"`
	ColdP99ms    float64 `json:"resize_cold_p99_ms"`
	CachedP50ms  float64 `json:"resize_cached_p50_ms"`
	CachedP99ms  float64 `json:"resize_cached_p99_ms"`
	Errors       int64   `json:"errors"`
	Uploaders    int     `json:"uploaders"`
	Downloaders  int     `json:"downloaders"`
	FileBytes    int     `json:"file_bytes"`
	ImageSide    int     `json:"image_side"`
	UploadSecs   float64 `json:"upload_seconds"`
	CDNSecs      float64 `json:"cdn_seconds"`
	ResizeSecs   float64 `json:"resize_seconds"`
	ResizeImages int     `json:"resize_images"`
}

// Media registers a user and a guild, then measures the file path:
// Uploaders clients post one-file messages of FileBytes each for Duration
// (upload MB/s and latency of acknowledged uploads); Downloaders clients
// GET those files from their signed CDN URLs for Duration (MB/s and
// latency); and, one request at a time, a ImageSide-square PNG is resized
// with ?size= to every power of two from 16 below its side, first cold
// (decoded, scaled, encoded and stored) and then again (the cached
// variant), each reported apart.
func Media(ctx context.Context, cfg MediaConfig) (MediaResult, error) {
	if cfg.Target == "" {
		return MediaResult{}, errors.New("bench: MediaConfig.Target is required")
	}
	if cfg.Uploaders <= 0 {
		cfg.Uploaders = 8
	}
	if cfg.FileBytes <= 0 {
		cfg.FileBytes = 1 << 20
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Downloaders <= 0 {
		cfg.Downloaders = cfg.Uploaders
	}
	if cfg.ResizeImages <= 0 {
		cfg.ResizeImages = 4
	}
	if cfg.ImageSide <= 0 {
		cfg.ImageSide = 2048
	}
	if cfg.ImageSide < 32 {
		return MediaResult{}, errors.New("bench: MediaConfig.ImageSide must be at least 32 (it is resized to 16)")
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	conns := max(cfg.Uploaders, cfg.Downloaders) * 2
	c := &client{
		base: strings.TrimRight(cfg.Target, "/") + "/api/v10",
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}},
	}
	channels, err := c.setup(ctx, 1, 1)
	if err != nil {
		return MediaResult{}, err
	}
	m := &mediaRun{cfg: cfg, c: c, channel: channels[0]}
	res := MediaResult{Uploaders: cfg.Uploaders, Downloaders: cfg.Downloaders, FileBytes: cfg.FileBytes,
		ImageSide: cfg.ImageSide, ResizeImages: cfg.ResizeImages}

	urls, err := m.uploads(ctx, &res)
	if err != nil {
		return res, err
	}
	m.downloads(ctx, urls, &res)
	err = m.resizes(ctx, &res)
	res.Errors = m.errors.Load()
	return res, err
}

// mediaRun is one run of the media scenario.
type mediaRun struct {
	cfg     MediaConfig
	c       *client
	channel string
	errors  atomic.Int64
}

// timed is what a worker of a phase measured.
type timed struct {
	lat   []time.Duration
	bytes int64
}

// phase runs workers goroutines of work until the phase's Duration ends,
// printing a line per second, and returns what they measured and how long
// the phase took. work returns the bytes moved by one request, false for
// an error; a request cut off by the phase's end is not counted.
func (m *mediaRun) phase(ctx context.Context, name string, workers int, work func(ctx context.Context, worker int) (int64, bool)) ([]time.Duration, int64, time.Duration) {
	runCtx, cancel := context.WithTimeout(ctx, m.cfg.Duration)
	defer cancel()
	out := make([]timed, workers)
	var moved atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				t0 := time.Now()
				n, ok := work(runCtx, i)
				if runCtx.Err() != nil {
					return
				}
				if !ok {
					m.errors.Add(1)
					continue
				}
				out[i].lat = append(out[i].lat, time.Since(t0))
				out[i].bytes += n
				moved.Add(n)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := int64(0)
	for {
		select {
		case <-done:
			elapsed := time.Since(start)
			var all []time.Duration
			var total int64
			for _, o := range out {
				all = append(all, o.lat...)
				total += o.bytes
			}
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			return all, total, elapsed
		case t := <-tick.C:
			n := moved.Load()
			fmt.Fprintf(m.cfg.Progress, "media: %-6s %4.0fs %9.1f MB %7.1f MB/s  %d errors\n",
				name, t.Sub(start).Seconds(), float64(n)/1e6, float64(n-last)/1e6, m.errors.Load())
			last = n
		}
	}
}

// uploads is the upload phase; it returns the CDN URLs of the uploaded
// files.
func (m *mediaRun) uploads(ctx context.Context, res *MediaResult) ([]string, error) {
	data := make([]byte, m.cfg.FileBytes)
	_, _ = rand.Read(data)
	body, ctype, err := multipartFiles(`{"content":"bench upload"}`, "bench.bin", data)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var urls []string
	lat, moved, elapsed := m.phase(ctx, "upload", m.cfg.Uploaders, func(ctx context.Context, _ int) (int64, bool) {
		atts, ok := m.post(ctx, body, ctype)
		if !ok || len(atts) != 1 || atts[0].Size != len(data) {
			return 0, false
		}
		mu.Lock()
		urls = append(urls, atts[0].URL)
		mu.Unlock()
		return int64(len(data)), true
	})
	res.Uploads, res.UploadSecs = int64(len(lat)), round(elapsed.Seconds(), 2)
	res.UploadMBps = round(float64(moved)/1e6/elapsed.Seconds(), 1)
	res.UploadP50ms, res.UploadP99ms = round(ms(percentile(lat, 0.50)), 3), round(ms(percentile(lat, 0.99)), 3)
	if len(urls) == 0 {
		return nil, fmt.Errorf("bench: media: no upload succeeded (%d errors)", m.errors.Load())
	}
	return urls, nil
}

// downloads is the CDN phase: GETs of the uploaded files, each read to
// its end and checked for its size.
func (m *mediaRun) downloads(ctx context.Context, urls []string, res *MediaResult) {
	var next atomic.Int64
	lat, moved, elapsed := m.phase(ctx, "cdn", m.cfg.Downloaders, func(ctx context.Context, _ int) (int64, bool) {
		u := urls[int(next.Add(1)-1)%len(urls)]
		status, _, n := m.get(ctx, u)
		return n, status == http.StatusOK && n == int64(m.cfg.FileBytes)
	})
	res.CDNGets, res.CDNSecs = int64(len(lat)), round(elapsed.Seconds(), 2)
	res.CDNMBps = round(float64(moved)/1e6/elapsed.Seconds(), 1)
	res.CDNP50ms, res.CDNP99ms = round(ms(percentile(lat, 0.50)), 3), round(ms(percentile(lat, 0.99)), 3)
}

// resizes uploads the test image ResizeImages times (each its own
// attachment, so each has its own variant cache) and asks each for every
// size, one request at a time: the first request of a size is cold, the
// second cached.
func (m *mediaRun) resizes(ctx context.Context, res *MediaResult) error {
	img, err := testImage(m.cfg.ImageSide)
	if err != nil {
		return err
	}
	var sizes []int
	for s := 16; s < m.cfg.ImageSide && s <= 4096; s *= 2 {
		sizes = append(sizes, s)
	}
	start := time.Now()
	var cold, cached []time.Duration
	for i := range m.cfg.ResizeImages {
		body, ctype, err := multipartFiles(`{}`, "bench.png", img)
		if err != nil {
			return err
		}
		atts, ok := m.post(ctx, body, ctype)
		if !ok || len(atts) != 1 || atts[0].Width != m.cfg.ImageSide {
			return fmt.Errorf("bench: media: upload of test image %d failed", i)
		}
		for _, size := range sizes {
			u := atts[0].URL + "&size=" + strconv.Itoa(size)
			for _, into := range []*[]time.Duration{&cold, &cached} {
				t0 := time.Now()
				status, ctype, _ := m.get(ctx, u)
				if status != http.StatusOK || ctype != "image/png" {
					m.errors.Add(1)
					return fmt.Errorf("bench: media: GET ?size=%d: %d %s", size, status, ctype)
				}
				*into = append(*into, time.Since(t0))
			}
		}
		fmt.Fprintf(m.cfg.Progress, "media: resize image %d/%d: %d sizes, cold and cached\n", i+1, m.cfg.ResizeImages, len(sizes))
	}
	sortDurations(cold)
	sortDurations(cached)
	res.Resizes, res.ResizeSecs = len(cold), round(time.Since(start).Seconds(), 2)
	res.ColdP50ms, res.ColdP99ms = round(ms(percentile(cold, 0.50)), 3), round(ms(percentile(cold, 0.99)), 3)
	res.CachedP50ms, res.CachedP99ms = round(ms(percentile(cached, 0.50)), 3), round(ms(percentile(cached, 0.99)), 3)
	return nil
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

// uploaded is the part of an attachment object the bench reads.
type uploaded struct {
	URL   string `json:"url"`
	Size  int    `json:"size"`
	Width int    `json:"width"`
}

// post creates a message with a multipart body and returns its
// attachments; false for anything but 200.
func (m *mediaRun) post(ctx context.Context, body []byte, ctype string) ([]uploaded, bool) {
	req, err := http.NewRequestWithContext(ctx, "POST", m.c.base+"/channels/"+m.channel+"/messages", bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", m.c.token)
	resp, err := m.c.http.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	var msg struct {
		Attachments []uploaded `json:"attachments"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&msg) != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, false
	}
	return msg.Attachments, true
}

// get reads a CDN URL to its end: status, Content-Type and bytes read.
func (m *mediaRun) get(ctx context.Context, u string) (int, string, int64) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return 0, "", 0
	}
	resp, err := m.c.http.Do(req)
	if err != nil {
		return 0, "", 0
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, "", n
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), n
}

// multipartFiles is a message body as the libraries send it: payload_json
// and files[0].
func multipartFiles(payload, name string, data []byte) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("payload_json", payload); err != nil {
		return nil, "", err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files[0]"; filename=%q`, name))
	h.Set("Content-Type", "application/octet-stream")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// testImage is a side×side PNG with gradients and some noise, so that it
// compresses like a picture rather than a flat fill.
func testImage(side int) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	noise := make([]byte, side*side)
	_, _ = rand.Read(noise)
	for y := range side {
		for x := range side {
			n := noise[y*side+x] & 0x0f
			img.SetNRGBA(x, y, color.NRGBA{uint8(x*255/side) ^ n, uint8(y*255/side) ^ n, uint8((x+y)*127/side) ^ n, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("bench: media: encode test image: %w", err)
	}
	return b.Bytes(), nil
}

// String is the readable summary of a media run.
func (r MediaResult) String() string {
	return fmt.Sprintf("media: upload %d × %d B in %.1fs: %.1f MB/s, p50 %.2f ms, p99 %.2f ms\n"+
		"media: cdn    %d GETs in %.1fs: %.1f MB/s, p50 %.2f ms, p99 %.2f ms\n"+
		"media: resize %dx%d PNG, %d sizes × %d images: cold p50 %.2f ms, p99 %.2f ms; cached p50 %.2f ms, p99 %.2f ms\n"+
		"media: %d errors",
		r.Uploads, r.FileBytes, r.UploadSecs, r.UploadMBps, r.UploadP50ms, r.UploadP99ms,
		r.CDNGets, r.CDNSecs, r.CDNMBps, r.CDNP50ms, r.CDNP99ms,
		r.ImageSide, r.ImageSide, r.Resizes/max(r.ResizeImages, 1), r.ResizeImages, r.ColdP50ms, r.ColdP99ms, r.CachedP50ms, r.CachedP99ms,
		r.Errors)
}

// JSON is the --json line: exactly the contract's keys.
func (r MediaResult) JSON() []byte {
	b, _ := json.Marshal(r)
	return b
}
