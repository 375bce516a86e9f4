// Package s3 is a blob.Store on any S3-compatible object store (AWS S3,
// SeaweedFS, MinIO, Ceph RGW ...), through the minio-go client. Metadata
// is stored as S3 user metadata (x-amz-meta-*).
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/accordchat/accord/internal/blob"
)

// Config configures a Store.
type Config struct {
	// Endpoint is the server's URL, e.g. "http://127.0.0.1:8333"; its
	// scheme chooses TLS. Required.
	Endpoint string
	// Bucket holds every blob. Required. New creates it when missing.
	Bucket string
	// Region is the bucket's region. Default "us-east-1".
	Region string
	// AccessKey and SecretKey sign requests; both empty means anonymous.
	AccessKey, SecretKey string
	// Prefix, if set, is prepended (with a '/') to every key, so that
	// several deployments can share a bucket.
	Prefix string
}

// Store is an S3 blob store. It is safe for concurrent use.
type Store struct {
	c      *minio.Client
	bucket string
	prefix string
}

var _ blob.Store = (*Store)(nil)

// ParseURL parses Accord's --blob form
// "s3://bucket[/prefix]?endpoint=http://host:port&region=r" into a Config
// (credentials are the caller's to add).
func ParseURL(s string) (Config, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return Config{}, fmt.Errorf("blob/s3: want s3://bucket?endpoint=URL, got %q", s)
	}
	q := u.Query()
	cfg := Config{Bucket: u.Host, Endpoint: q.Get("endpoint"), Region: q.Get("region"),
		Prefix: strings.Trim(u.Path, "/")}
	if cfg.Endpoint == "" {
		return Config{}, fmt.Errorf("blob/s3: %q: endpoint= is required", s)
	}
	return cfg, nil
}

// New connects to the server and makes sure the bucket exists.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" || cfg.Endpoint == "" {
		return nil, errors.New("blob/s3: Config.Bucket and Endpoint are required")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	ep, err := url.Parse(cfg.Endpoint)
	if err != nil || ep.Host == "" || (ep.Scheme != "http" && ep.Scheme != "https") {
		return nil, fmt.Errorf("blob/s3: endpoint %q: want http(s)://host[:port]", cfg.Endpoint)
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	} else {
		creds = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
	}
	c, err := minio.New(ep.Host, &minio.Options{Creds: creds, Secure: ep.Scheme == "https", Region: cfg.Region,
		BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("blob/s3: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob/s3: bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return nil, fmt.Errorf("blob/s3: make bucket %s: %w", cfg.Bucket, err)
		}
	}
	s := &Store{c: c, bucket: cfg.Bucket}
	if cfg.Prefix != "" {
		s.prefix = cfg.Prefix + "/"
	}
	return s, nil
}

func (s *Store) object(key string) string { return s.prefix + key }

// unknownSizePart is the part size of uploads of unknown size: each
// buffers one part.
const unknownSizePart = 8 << 20

// metaPrefix marks Accord's user metadata; S3 servers return user
// metadata with the header's casing changed, so keys are matched folded.
const metaPrefix = "Accord-"

// Put implements blob.Store. A known size goes in one PUT; an unknown
// one as a multipart upload, which the server assembles only when every
// part arrived, so a failing reader leaves nothing.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, meta blob.Meta) error {
	if err := blob.ValidKey(key); err != nil {
		return err
	}
	if err := blob.ValidMeta(meta); err != nil {
		return err
	}
	um := make(map[string]string, len(meta))
	for k, v := range meta {
		um[metaPrefix+k] = v
	}
	src := r
	if size >= 0 {
		src = &exactReader{r: r, left: size}
	}
	opts := minio.PutObjectOptions{UserMetadata: um, ContentType: "application/octet-stream",
		DisableMultipart: size >= 0 && size < 64<<20}
	if size < 0 {
		// minio-go buffers one part in memory; without a part size it
		// would pick one for a 5 TiB object (over 500 MiB).
		opts.PartSize = unknownSizePart
	}
	_, err := s.c.PutObject(ctx, s.bucket, s.object(key), src, size, opts)
	if errors.Is(err, blob.ErrSize) {
		return blob.ErrSize
	}
	if err != nil {
		return fmt.Errorf("blob/s3: put %s: %w", key, err)
	}
	return nil
}

// exactReader fails with blob.ErrSize when r holds fewer or more bytes
// than announced, before the last byte goes out, so the server never
// completes a short or long object.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		var one [1]byte
		if n, _ := io.ReadFull(e.r, one[:]); n > 0 {
			return 0, blob.ErrSize
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) {
		if e.left > 0 {
			return n, blob.ErrSize
		}
		err = nil
	}
	return n, err
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Info, error) {
	info, off, n, err := blob.StatRange(ctx, s, key, rng)
	if err != nil {
		return nil, blob.Info{}, err
	}
	opts := minio.GetObjectOptions{}
	// Matching the ETag keeps the bytes and the Info of one version.
	if err := opts.SetMatchETag(info.ETag); err != nil {
		return nil, blob.Info{}, err
	}
	if n == 0 {
		return io.NopCloser(strings.NewReader("")), info, nil
	}
	if rng != nil {
		if err := opts.SetRange(off, off+n-1); err != nil {
			return nil, blob.Info{}, err
		}
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.object(key), opts)
	if err != nil {
		return nil, blob.Info{}, s.err("get", key, err)
	}
	return obj, info, nil
}

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := blob.ValidKey(key); err != nil {
		return blob.Info{}, err
	}
	oi, err := s.c.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		return blob.Info{}, s.err("stat", key, err)
	}
	return s.info(key, oi), nil
}

func (s *Store) info(key string, oi minio.ObjectInfo) blob.Info {
	meta := blob.Meta{}
	for k, v := range oi.UserMetadata {
		if len(k) > len(metaPrefix) && strings.EqualFold(k[:len(metaPrefix)], metaPrefix) {
			meta[strings.ToLower(k[len(metaPrefix):])] = v
		}
	}
	for k, vs := range oi.Metadata {
		const amz = "X-Amz-Meta-" + metaPrefix
		if len(k) > len(amz) && strings.EqualFold(k[:len(amz)], amz) && len(vs) > 0 {
			meta[strings.ToLower(k[len(amz):])] = vs[0]
		}
	}
	return blob.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified, ETag: strings.Trim(oi.ETag, `"`), Meta: meta}
}

func (s *Store) err(op, key string, err error) error {
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound:
		return blob.ErrNotFound
	case resp.Code == "InvalidRange" || resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		return blob.ErrInvalidRange
	}
	return fmt.Errorf("blob/s3: %s %s: %w", op, key, err)
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.ValidKey(key); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.object(key), minio.RemoveObjectOptions{}); err != nil {
		if err := s.err("delete", key, err); !errors.Is(err, blob.ErrNotFound) {
			return err
		}
	}
	return nil
}

// List implements blob.Store. Listings carry no user metadata, so each
// listed blob is Stat'ed for it.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) error) error {
	if err := blob.ValidPrefix(prefix); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for oi := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.object(prefix), Recursive: true}) {
		if oi.Err != nil {
			return fmt.Errorf("blob/s3: list %s: %w", prefix, oi.Err)
		}
		key := strings.TrimPrefix(oi.Key, s.prefix)
		info, err := s.Stat(ctx, key)
		if errors.Is(err, blob.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}
