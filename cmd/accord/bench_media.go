package main

import (
	"context"
	"errors"
	"flag"
	"strconv"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "media",
		synopsis: "[--target URL | --blob fs|s3://bucket?endpoint=URL] [--uploaders N] [--file-bytes B] [--downloaders N] [--resize-images N] [--image-side PX] [--duration D] [--json]",
		shared:   sharedTarget | sharedDuration,
		new:      func() scenarioRun { return &mediaScenario{} },
	})
}

// mediaScenario is `accord bench media`: concurrent uploads, concurrent
// CDN reads of the uploaded files, and cold and cached resizes of a
// 2048×2048 image.
type mediaScenario struct {
	uploaders, downloaders, fileBytes, resizeImages, imageSide int
	blob                                                       string
}

func (s *mediaScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.uploaders, "uploaders", 8, "concurrent uploading clients")
	fs.IntVar(&s.fileBytes, "file-bytes", 1<<20, "size of each uploaded file")
	fs.IntVar(&s.downloaders, "downloaders", 0, "concurrent CDN readers (default: --uploaders)")
	fs.IntVar(&s.resizeImages, "resize-images", 4, "attachments of the 2048×2048 test image resized to every size, cold then cached")
	fs.IntVar(&s.imageSide, "image-side", 2048, "width and height of the resized test image")
	fs.StringVar(&s.blob, "blob", "fs", "without --target: the started server's blob store (fs, or s3://bucket?endpoint=URL with ACCORD_S3_ACCESS_KEY and ACCORD_S3_SECRET_KEY)")
}

// ownServers: the scenario starts its server itself, to give it --blob
// and room for --file-bytes.
func (s *mediaScenario) ownServers() bool { return true }

func (s *mediaScenario) run(ctx context.Context, b *benchRun) (report, error) {
	blob := "the target's"
	if b.target == "" {
		args := []string{"--blob", s.blob}
		if s.fileBytes > 25<<20 {
			n := strconv.Itoa(s.fileBytes)
			args = append(args, "--max-file-bytes", n, "--max-upload-bytes", n)
		}
		c, err := b.m.startServeChild(ctx, "", args...)
		if err != nil {
			return nil, err
		}
		defer c.stop()
		b.target, blob = c.url, s.blob
	} else if s.blob != "fs" {
		return nil, errors.New("bench media: --blob chooses the started server's store; with --target the target's is used")
	}
	downloaders := s.downloaders
	if downloaders <= 0 {
		downloaders = s.uploaders
	}
	b.header("target %s (blob store %s), %d uploaders × %d B files, %d CDN readers, %s per phase, %d× a %dx%[8]d image resized",
		b.target, blob, s.uploaders, s.fileBytes, downloaders, b.duration, s.resizeImages, s.imageSide)
	res, err := bench.Media(ctx, bench.MediaConfig{Target: b.target, Uploaders: s.uploaders, FileBytes: s.fileBytes,
		Duration: b.duration, Downloaders: downloaders, ResizeImages: s.resizeImages, ImageSide: s.imageSide, Progress: b.m.Stdout})
	if err != nil {
		return nil, err
	}
	return res, nil
}
