package bench

import "testing"

// measure runs op b.N times as the timed part of a benchmark and reports, besides
// ns/op, the process CPU time per operation as cpu-ns/op. The benchmark fails as soon as
// check rejects op's result, so that no library is timed on a path it should not take.
func measure(b *testing.B, op func() error, check func(error) bool) {
	b.Helper()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		if err := op(); !check(err) {
			b.Fatalf("unexpected result: %v", err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
