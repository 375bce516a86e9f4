// Package clustertest checks cluster mode (issue 12) on real processes:
// three `accord serve` binaries sharing a Cassandra keyspace and a
// three-server NATS cluster (scripts/nats), driven over REST and the
// gateway exactly as clients drive them. The tests kill nodes and NATS
// servers with SIGKILL while messages flow and check that no acknowledged
// message is lost or duplicated and that every live session sees every
// event, in order, as it would on one node.
//
// The tests carry the build tag "cluster" and need Cassandra
// ($ACCORD_CQL_HOSTS, default 127.0.0.1:9042); they build the accord binary
// and start and stop the NATS cluster themselves:
//
//	scripts/cassandra start
//	go test -tags cluster ./internal/clustertest/
//
// ACCORD_NATS_PORT and ACCORD_NATS_DIR choose the NATS cluster's ports and
// directory, as for scripts/nats.
package clustertest
