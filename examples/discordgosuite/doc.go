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
//
// The tag "clusterclients" selects instead the cluster test: bots logged in
// at different nodes of one Accord cluster see each other's messages,
// edits, deletes, typing and permission changes as on one node.
// scripts/test-cluster-clients runs it against a running cluster:
//
//	ACCORD_URL=http://127.0.0.1:8083 \
//	ACCORD_CLUSTER_URLS=http://127.0.0.1:8081,http://127.0.0.1:8082,http://127.0.0.1:8083 \
//	go test -tags clusterclients ./examples/discordgosuite
package discordgosuite
