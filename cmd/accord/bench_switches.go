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
}

// register adds the switches to a scenario's flag set.
func (s *serveSwitches) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.coalesce, "coalesce", true, "serve with read coalescing and hot pages (passed to the started server)")
	fs.BoolVar(&s.passive, "passive", true, "serve with passive sessions (passed to the started server)")
	fs.BoolVar(&s.relays, "relays", true, "serve with relay goroutines for big guilds' fan-out (passed to the started server)")
	fs.IntVar(&s.relayThreshold, "relay-threshold", 0, "sessions in one guild above which the started server uses relays (0: its default)")
}

// args are the switches as `accord serve` arguments.
func (s *serveSwitches) args() []string {
	args := []string{"--coalesce=" + strconv.FormatBool(s.coalesce), "--passive=" + strconv.FormatBool(s.passive),
		"--relays=" + strconv.FormatBool(s.relays)}
	if s.relayThreshold > 0 {
		args = append(args, "--relay-threshold="+strconv.Itoa(s.relayThreshold))
	}
	return args
}
