package s3_test

import (
	"testing"

	"github.com/accordchat/accord/internal/blob/s3"
)

func TestParseURL(t *testing.T) {
	cfg, err := s3.ParseURL("s3://media/prod?endpoint=http://127.0.0.1:8333&region=eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bucket != "media" || cfg.Prefix != "prod" || cfg.Endpoint != "http://127.0.0.1:8333" || cfg.Region != "eu-west-1" {
		t.Errorf("ParseURL = %+v", cfg)
	}
	for _, bad := range []string{"s3://bucket", "http://x?endpoint=http://y", "s3://?endpoint=http://y", "::"} {
		if _, err := s3.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) succeeded", bad)
		}
	}
}
