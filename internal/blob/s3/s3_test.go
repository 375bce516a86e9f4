//go:build s3

package s3_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/blob/blobtest"
	"github.com/accordchat/accord/internal/blob/s3"
)

// The suite runs against a real S3-compatible server (scripts/s3 start):
// ACCORD_S3_ENDPOINT (default http://127.0.0.1:8333) with the credentials
// in ACCORD_S3_ACCESS_KEY and ACCORD_S3_SECRET_KEY.
func TestConformance(t *testing.T) {
	endpoint := os.Getenv("ACCORD_S3_ENDPOINT")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:8333"
	}
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := s3.New(t.Context(), s3.Config{
			Endpoint: endpoint, Bucket: "accord-test",
			AccessKey: os.Getenv("ACCORD_S3_ACCESS_KEY"), SecretKey: os.Getenv("ACCORD_S3_SECRET_KEY"),
			Prefix: fmt.Sprintf("blobtest-%d", time.Now().UnixNano()),
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
