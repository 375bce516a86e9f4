//go:build unix

package memberlist

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user and system, all
// threads). Benchmarks report it per op next to wall time: on a machine
// shared with other work, wall time measures the queue for a core too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
