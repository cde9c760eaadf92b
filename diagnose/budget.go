package diagnose

// The bounds of one diagnosis. A refused delivery is whatever a sender chose to send:
// the adapters' WithDiagnosis accepts a body of up to 64 KiB and a signature header of
// up to core.MaxSignatureHeaderEntries entries, and without bounds the search would
// hash every alternative of such a body under every mistake (about 800 HMACs of 64 KiB
// with a whsec_ secret; with a whpk_ key, one ed25519 check per entry and alternative).
// So the work is counted as it is done, and the search stops when the budget is spent:
// the report then says the search was cut short (Report.CutShort, KindSearchCutShort).
// docs/diagnosis.md gives the measured worst case and the command that measures it.
const (
	// budgetNanos is the work one diagnosis may do, in nanoseconds of one idle core of
	// the machine the costs below were measured on (an AMD EPYC; BenchmarkPrimitives).
	// It leaves room for what is not counted (building the variants, parsing the
	// signature header) within 5 ms.
	budgetNanos = 3_000_000
	// jsonShare is the part of the budget re-serialising the body may take: the rest is
	// for hashing, whatever the body.
	jsonShare = budgetNanos / 2
	// maxSearchEntries is how many entries of webhook-signature the search reads: OpenAI
	// sends one, two during a rotation.
	maxSearchEntries = 8
)

// The estimated costs, from BenchmarkPrimitives (the minimum of five runs).
func hmacCost(n int) int    { return 1000 + n*7/10 }  // HMAC-SHA256 of n bytes, with its set-up
func ed25519Cost(n int) int { return 58_000 + n*3/2 } // one ed25519 check of an n-byte message
func parseCost(n int) int   { return 20 * n }         // jsonstyle.Parse of n bytes
func writeCost(n int) int   { return 14 * n }         // jsonstyle.Style.Write, the slowest style
func copyCost(n int) int    { return 2 * n }          // a changed copy of n bytes (line endings)

// budget is what is left of budgetNanos. The zero budget has nothing left.
type budget struct {
	left int
	cut  bool // something was not done for want of budget
}

func newBudget() *budget { return &budget{left: budgetNanos} }

// spend takes cost from the budget if it is there, and reports whether it was; if not,
// the diagnosis is marked cut short and nothing is taken.
func (b *budget) spend(cost int) bool {
	if cost > b.left {
		b.cut = true
		return false
	}
	b.left -= cost
	return true
}
