package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/blob"
	blobfs "github.com/accordchat/accord/internal/blob/fs"
	"github.com/accordchat/accord/internal/blob/s3"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/signedurl"
)

// BlobConfig configures the blob store of attachments, avatars and icons.
type BlobConfig struct {
	// Store is "fs" (default: files under DataDir/blobs) or an S3 URL,
	// "s3://bucket[/prefix]?endpoint=http://host:port&region=r" (--blob).
	// A cluster needs s3: every node serves every file.
	Store string
	// S3AccessKey and S3SecretKey sign S3 requests (cmd/accord reads them
	// from ACCORD_S3_ACCESS_KEY and ACCORD_S3_SECRET_KEY).
	S3AccessKey, S3SecretKey string
	// MaxFileBytes caps one uploaded file, MaxUploadBytes all files of a
	// request (--max-file-bytes, --max-upload-bytes). Default 25 MiB each.
	MaxFileBytes, MaxUploadBytes int64
	// URLTTL is how long a signed attachment URL stays good. Default
	// signedurl.DefaultTTL (24 hours).
	URLTTL time.Duration
	// CollectEvery is how often unreferenced attachment blobs are
	// collected (--blob-collect-every); negative: never. Default 1 hour.
	CollectEvery time.Duration
}

// secretKey is where the CDN's URL-signing secret lives: in the blob
// store, so that every node sharing the store signs alike.
const secretKey = "secrets/cdn-url-signing"

// openBlobs opens the blob store cfg.Blob names and its URL signer.
func openBlobs(ctx context.Context, cfg Config, base func() string) (blob.Store, *signedurl.Signer, error) {
	var bs blob.Store
	switch b := cfg.Blob.Store; {
	case b == "" || b == "fs":
		st, err := blobfs.New(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			return nil, nil, fmt.Errorf("server: --blob fs: %w", err)
		}
		bs = st
		if cfg.clustered() {
			// Not refused: a cluster without files still works.
			cfg.Logger.Warn("cluster mode with --blob fs: each node keeps its own files and signing secret, so files uploaded at one node are not served by the others; use --blob s3://...")
		}
	case strings.HasPrefix(b, "s3://"):
		sc, err := s3.ParseURL(b)
		if err != nil {
			return nil, nil, fmt.Errorf("server: --blob: %w", err)
		}
		sc.AccessKey, sc.SecretKey = cfg.Blob.S3AccessKey, cfg.Blob.S3SecretKey
		st, err := s3.New(ctx, sc)
		if err != nil {
			return nil, nil, fmt.Errorf("server: --blob: %w", err)
		}
		bs = st
	default:
		return nil, nil, fmt.Errorf("server: unknown --blob %q (want fs or s3://bucket?endpoint=URL)", b)
	}
	secret, err := signingSecret(ctx, bs)
	if err != nil {
		return nil, nil, err
	}
	signer, err := signedurl.New(signedurl.Config{Secret: secret, Base: base, TTL: cfg.Blob.URLTTL})
	if err != nil {
		return nil, nil, err
	}
	return bs, signer, nil
}

// signingSecret reads the URL-signing secret, making it on first start.
// Two nodes starting on a fresh store at once may both write one; each
// then re-reads, so at worst URLs signed in that first instant fail.
func signingSecret(ctx context.Context, bs blob.Store) ([]byte, error) {
	read := func() ([]byte, error) {
		rc, _, err := bs.Get(ctx, secretKey, nil)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	b, err := read()
	if errors.Is(err, blob.ErrNotFound) {
		fresh := make([]byte, 32)
		_, _ = rand.Read(fresh)
		if err := bs.Put(ctx, secretKey, bytes.NewReader(fresh), int64(len(fresh)), nil); err != nil {
			return nil, fmt.Errorf("server: store the CDN signing secret: %w", err)
		}
		b, err = read()
	}
	if err != nil {
		return nil, fmt.Errorf("server: read the CDN signing secret: %w", err)
	}
	if len(b) < 32 {
		return nil, fmt.Errorf("server: the CDN signing secret %s is too short", secretKey)
	}
	return b, nil
}

// cdnBase is the base of the URLs clients fetch files from: the public URL
// in a cluster, else this server's own address.
func (s *Server) cdnBase() string {
	if s.cfg.Cluster.PublicURL != "" {
		return s.cfg.Cluster.PublicURL
	}
	return s.URL()
}

// attachmentsGone deletes the blobs of attachments their messages dropped,
// off the guild actor's goroutine.
func (s *Server) attachmentsGone(channelID chat.ID, as []chat.Attachment) {
	go s.API.DeleteAttachments(context.Background(), channelID, as)
}

// background is one goroutine that runs until stopped.
type background struct {
	mu     sync.Mutex
	cancel context.CancelFunc // guarded by mu; nil until start
	done   chan struct{}      // guarded by mu
}

func (b *background) start(run func(ctx context.Context)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		run(ctx)
	}(b.done)
}

// stop ends the goroutine and waits for it; a no-op before start.
func (b *background) stop() {
	b.mu.Lock()
	cancel, done := b.cancel, b.done
	b.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// collectBlobs runs the attachment collector every cfg.Blob.CollectEvery
// until ctx ends.
func (s *Server) collectBlobs(ctx context.Context) {
	every := s.cfg.Blob.CollectEvery
	if every < 0 {
		return
	}
	if every == 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.API.CollectAttachments(ctx, 0)
		if err != nil {
			s.log.Warn("collect attachments", "err", err)
		} else if n > 0 {
			s.log.Info("collected attachments", "deleted", n)
		}
	}
}
