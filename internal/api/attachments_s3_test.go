//go:build s3

package api_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/server"
)

// With -tags s3 the attachment tests run against a real S3-compatible
// server (scripts/s3 start): ACCORD_S3_ENDPOINT (default
// http://127.0.0.1:8333), ACCORD_S3_ACCESS_KEY, ACCORD_S3_SECRET_KEY. Each
// server gets a prefix of its own in one bucket (SeaweedFS gives each
// bucket volumes of its own).
func init() {
	testBlob = func(t *testing.T) server.BlobConfig {
		endpoint := os.Getenv("ACCORD_S3_ENDPOINT")
		if endpoint == "" {
			endpoint = "http://127.0.0.1:8333"
		}
		return server.BlobConfig{
			Store:       fmt.Sprintf("s3://accord-test/api-%d?endpoint=%s", time.Now().UnixNano(), endpoint),
			S3AccessKey: os.Getenv("ACCORD_S3_ACCESS_KEY"), S3SecretKey: os.Getenv("ACCORD_S3_SECRET_KEY"),
		}
	}
}
