package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestBenchUsage: `accord bench` alone and `accord help` list every
// registered scenario but the hidden worker mode, so a scenario's file is
// all it takes to appear (and `accord help` must be told of a new one).
func TestBenchUsage(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), []string{"bench"})
	if err == nil {
		t.Fatal("accord bench without a scenario succeeded")
	}
	var help bytes.Buffer
	h := &Main{Stdout: &help, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := h.Run(context.Background(), []string{"help"}); err != nil {
		t.Fatal(err)
	}
	if len(scenarios) < 5 {
		t.Fatalf("only %d scenarios registered", len(scenarios))
	}
	for name, s := range scenarios {
		listed := strings.Contains(err.Error(), "\n  "+name+" ")
		if s.hidden {
			if listed {
				t.Errorf("hidden scenario %q in the usage:\n%s", name, err)
			}
			continue
		}
		if !listed || !strings.Contains(err.Error(), s.synopsis) {
			t.Errorf("scenario %q or its synopsis missing from the usage:\n%s", name, err)
		}
		if !strings.Contains(help.String(), "bench "+name+" ") {
			t.Errorf("scenario %q missing from accord help:\n%s", name, help.String())
		}
	}
	if err := m.Run(context.Background(), []string{"bench", "nosuch"}); err == nil || !strings.HasPrefix(err.Error(), "usage: accord bench") {
		t.Fatalf("unknown scenario: %v", err)
	}
}

// TestBenchTokenNeedsTarget: the scaffold refuses --token without
// --target for every scenario that takes both, before starting anything.
func TestBenchTokenNeedsTarget(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	for name, s := range scenarios {
		if s.shared&sharedToken == 0 {
			continue
		}
		err := m.Run(context.Background(), []string{"bench", name, "--token", "x"})
		if err == nil || err.Error() != "bench "+name+": --token needs --target" {
			t.Errorf("bench %s --token x: %v", name, err)
		}
	}
}
