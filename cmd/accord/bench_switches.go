package main

import (
	"flag"
	"strconv"
)

// serveSwitches are the `accord serve` technique switches that a bench
// scenario accepts and passes on to the server it starts, so that one
// command compares a technique on and off. Add a switch here (field,
// register, args) and every scenario gets it.
type serveSwitches struct {
	coalesce       bool
	passive        bool
	relays         bool
	relayThreshold int
	// store, cqlHosts and cqlKeyspace choose the started servers' backend,
	// so one command per backend gives the ingest figures of
	// docs/performance.md, and the cluster fan-out's nodes share a keyspace.
	store, cqlHosts, cqlKeyspace string
	// gcHeadroom is the started server's --gc-headroom-bytes; -1 leaves
	// its default (0 for fanout, which reads memory per session).
	gcHeadroom int64
}

// register adds the switches to a scenario's flag set.
func (s *serveSwitches) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.coalesce, "coalesce", true, "serve with read coalescing and hot pages (passed to the started server)")
	fs.BoolVar(&s.passive, "passive", true, "serve with passive sessions (passed to the started server)")
	fs.BoolVar(&s.relays, "relays", true, "serve with relay goroutines for big guilds' fan-out (passed to the started server)")
	fs.IntVar(&s.relayThreshold, "relay-threshold", 0, "sessions in one guild above which the started server uses relays (0: its default)")
	fs.StringVar(&s.store, "store", "pebble", "store backend of the started server: pebble, cql or tiered (a cluster: cql unless tiered)")
	fs.StringVar(&s.cqlHosts, "cql-hosts", "127.0.0.1:9042", "with --store cql or tiered, or --nodes N: the CQL hosts the started servers share")
	fs.Int64Var(&s.gcHeadroom, "gc-headroom-bytes", -1, "the started server's GC floor (default: the server's own, 32 MiB; 0 for fanout, which reads memory per session)")
	fs.StringVar(&s.cqlKeyspace, "cql-keyspace", "", "with --store cql or tiered, or --nodes N: the keyspace (default: a fresh bench_<random>)")
}

// cql makes the switches name a CQL backend (for a cluster, which needs
// one) with a keyspace, a fresh one unless --cql-keyspace gave it.
func (s *serveSwitches) cql() {
	if s.store != "tiered" {
		s.store = "cql"
	}
	if s.cqlKeyspace == "" {
		s.cqlKeyspace = randomKeyspace()
	}
}

// args are the switches as `accord serve` arguments.
func (s *serveSwitches) args() []string {
	args := []string{"--coalesce=" + strconv.FormatBool(s.coalesce), "--passive=" + strconv.FormatBool(s.passive),
		"--relays=" + strconv.FormatBool(s.relays)}
	if s.gcHeadroom >= 0 {
		args = append(args, "--gc-headroom-bytes="+strconv.FormatInt(s.gcHeadroom, 10))
	}
	if s.relayThreshold > 0 {
		args = append(args, "--relay-threshold="+strconv.Itoa(s.relayThreshold))
	}
	if s.store != "" && s.store != "pebble" {
		if s.cqlKeyspace == "" {
			s.cqlKeyspace = randomKeyspace()
		}
		args = append(args, "--store="+s.store, "--cql-hosts="+s.cqlHosts, "--cql-keyspace="+s.cqlKeyspace)
	}
	return args
}
