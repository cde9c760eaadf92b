//go:build unix

package bench

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) this process has used. Benchmarks
// report it per operation beside the wall-clock ns/op: on a machine shared with other
// work, time the benchmark spends descheduled inflates ns/op but not cpu-ns/op. Garbage
// collection by the runtime's background workers is included, as a cost of allocating.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
