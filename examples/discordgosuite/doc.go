// Package discordgosuite is the discordgo client suite: unmodified
// discordgo v0.29, pointed at a running Accord server (ACCORD_URL) by
// discordgoaccord.PointAt, logs in, bursts messages honouring the
// rate-limit buckets, and waits out a 429. It is an outside client: it talks to Accord only over
// REST and the gateway, never through Accord's packages.
//
// The tests carry the build tag "clients" because they need a server that
// scripts/test-clients starts:
//
//	ACCORD_URL=http://127.0.0.1:8080 go test -tags clients ./examples/discordgosuite
package discordgosuite
