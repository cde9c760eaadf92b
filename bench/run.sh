#!/usr/bin/env bash
# Runs every measurement of the bench module and writes results/: the machine, the
# interoperability tests, the verification benchmarks against other libraries (with
# benchstat and the issue-6 target check), the middleware allocation benchmarks and the
# loopback load test. Bounded: about 6-8 minutes on a 2-core machine, 10 at most.
#
#   ./run.sh                      # everything, defaults below
#   ROUNDS=3 BENCHTIME=100ms ./run.sh   # quicker, for a smoke run
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS="${ROUNDS:-10}"                 # verification benchmark runs (benchstat medians)
BENCHTIME="${BENCHTIME:-200ms}"        # per benchmark per run
MW_ROUNDS="${MW_ROUNDS:-6}"            # middleware benchmark runs
REQUESTS="${REQUESTS:-100000}"         # load test: measured requests per server
LOAD_ROUNDS="${LOAD_ROUNDS:-1}"        # load test rounds (median reported)
BENCHSTAT="${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@latest}"
mkdir -p results
deadline=$((SECONDS + 600))
remaining() { echo $((deadline - SECONDS > 10 ? deadline - SECONDS : 10)); }

step() { printf '\n==> %s\n' "$*" >&2; }

step "machine"
{
	go version
	lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1
	echo "cores: $(nproc)"
	echo "project commit: $(git -C .. rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C .. status --porcelain -- core internal nethttp ginadapter echoadapter echov5adapter fiberadapter fiberv3adapter 2>/dev/null | grep -q . && echo ' (with uncommitted changes in core/adapters)')"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	date -u +%Y-%m-%dT%H:%M:%SZ
} | tee results/machine.txt

step "vet and interoperability tests"
go vet ./...
go test -count=1 ./...

# The benchmarks run as ROUNDS separate runs of the whole set, one after the other,
# rather than -count ROUNDS (which repeats each benchmark back to back): on a shared
# machine, a busy spell then slows every library a little instead of one library a lot.
# The output is the same format as -count, and benchstat reads it the same way.
step "verification benchmarks: $ROUNDS runs x $BENCHTIME"
go test -c -o results/bench.test .
: >results/verify.txt
for i in $(seq "$ROUNDS"); do
	echo "  run $i/$ROUNDS" >&2
	timeout "$(remaining)" ./results/bench.test -test.run '^$' -test.bench 'BenchmarkVerify|BenchmarkUnwrap' \
		-test.benchmem -test.benchtime "$BENCHTIME" -test.count 1 >>results/verify.txt
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>results/machine.txt

step "benchstat"
go run "$BENCHSTAT" -col /lib -filter '.name:Verify' results/verify.txt | tee results/verify-benchstat.txt
go run "$BENCHSTAT" -col /lib -filter '.name:Unwrap' results/verify.txt | tee results/unwrap-benchstat.txt

step "targets (issue 6)"
targets_ok=0
go run ./cmd/targets results/verify.txt | tee results/targets.md || targets_ok=$?

step "middleware allocations: $MW_ROUNDS runs"
: >results/middleware.txt
for i in $(seq "$MW_ROUNDS"); do
	timeout "$(remaining)" ./results/bench.test -test.run '^$' -test.bench 'BenchmarkMiddleware' \
		-test.benchmem -test.benchtime "$BENCHTIME" -test.count 1 >>results/middleware.txt
done
go run "$BENCHSTAT" -col /server results/middleware.txt | tee results/middleware-benchstat.txt

step "load test: $REQUESTS requests per server, $LOAD_ROUNDS round(s)"
go build -o results/loadtest ./cmd/loadtest
timeout "$(remaining)" ./results/loadtest -requests "$REQUESTS" -rounds "$LOAD_ROUNDS" \
	-max-duration 60s | tee results/loadtest.md
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>results/machine.txt
rm -f results/bench.test results/loadtest

step "done in ${SECONDS}s; results in $(pwd)/results"
exit "$targets_ok"
