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
	coalesce bool
}

// register adds the switches to a scenario's flag set.
func (s *serveSwitches) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.coalesce, "coalesce", true, "serve with read coalescing and hot pages (passed to the started server)")
}

// args are the switches as `accord serve` arguments.
func (s *serveSwitches) args() []string {
	return []string{"--coalesce=" + strconv.FormatBool(s.coalesce)}
}
