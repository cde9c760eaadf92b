package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// median returns each metric's median over rs, and the notes of every round.
func median(rs []result) result {
	if len(rs) == 1 || rs[0].perSecond == 0 {
		return rs[0]
	}
	pick := func(f func(result) float64) float64 {
		vs := make([]float64, len(rs))
		for i, r := range rs {
			vs[i] = f(r)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	out := result{name: rs[0].name}
	out.perSecond = pick(func(r result) float64 { return r.perSecond })
	out.p50 = time.Duration(pick(func(r result) float64 { return float64(r.p50) }))
	out.p99 = time.Duration(pick(func(r result) float64 { return float64(r.p99) }))
	out.max = time.Duration(pick(func(r result) float64 { return float64(r.max) }))
	var notes []string
	for _, r := range rs {
		out.failed += r.failed
		out.stored = r.stored
		if r.note != "" {
			notes = append(notes, r.note)
		}
	}
	out.note = strings.Join(notes, "; ")
	return out
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*q))]
}

func printTable(w io.Writer, cfg config, what string, results []result) {
	mode := "enqueue only (no workers)"
	if cfg.work {
		mode = "with workers (no-op handler) in the same process"
	}
	if cfg.rate > 0 {
		mode += fmt.Sprintf(", offered at %.0f deliveries/s (open loop)", cfg.rate)
	}
	fmt.Fprintf(w, "%s: %d deliveries per backend after %d warm-up, %d concurrent senders, %s; %s, %d CPUs\n\n",
		what, cfg.requests, cfg.warmup, cfg.concurrency, mode, runtime.Version(), runtime.NumCPU())
	fmt.Fprintln(w, "| backend | deliveries/s | p50 | p99 | max | non-200 | jobs stored | note |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		if r.perSecond == 0 {
			fmt.Fprintf(w, "| %s | | | | | | | %s |\n", r.name, r.note)
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %d | %d | %s |\n", r.name, r.perSecond,
			ms(r.p50), ms(r.p99), ms(r.max), r.failed, r.stored, r.note)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
