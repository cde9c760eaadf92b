package bench

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"testing"
	"time"

	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/webhooks"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/webhookkit/openai-webhooks/bench/internal/fixture"
	"github.com/webhookkit/openai-webhooks/core"
)

// tolerance is the same for every library: the 5 minutes all of them default to.
const tolerance = 5 * time.Minute

// verifier is one library's verification of a delivery, set up once per benchmark.
type verifier struct {
	name string
	new  func(tb testing.TB) func(d *fixture.Delivery) error
}

// verifiers are the libraries compared, ours first so that benchstat -col /lib shows the
// others relative to it. Every one checks the timestamp against the real clock.
var verifiers = []verifier{
	{"ours", func(tb testing.TB) func(d *fixture.Delivery) error {
		v := newOurs(tb)
		return func(d *fixture.Delivery) error { return v.Verify(d.Body, d.Core) }
	}},
	// ours-http starts from an http.Header, as the other libraries do and as a middleware
	// must: the header look-ups are part of the work.
	{"ours-http", func(tb testing.TB) func(d *fixture.Delivery) error {
		v := newOurs(tb)
		return func(d *fixture.Delivery) error { return v.Verify(d.Body, core.HeadersFrom(d.HTTP)) }
	}},
	{"openai-go", func(tb testing.TB) func(d *fixture.Delivery) error {
		svc := webhooks.NewWebhookService(option.WithWebhookSecret(fixture.Secret))
		return func(d *fixture.Delivery) error {
			return svc.VerifySignatureWithToleranceAndTime(d.Body, d.HTTP, tolerance, time.Now())
		}
	}},
	{"svix", func(tb testing.TB) func(d *fixture.Delivery) error {
		wh, err := svix.NewWebhook(fixture.Secret)
		if err != nil {
			tb.Fatal(err)
		}
		return func(d *fixture.Delivery) error { return wh.Verify(d.Body, d.HTTP) }
	}},
	{"standard-webhooks", func(tb testing.TB) func(d *fixture.Delivery) error {
		wh, err := standardwebhooks.NewWebhook(fixture.Secret)
		if err != nil {
			tb.Fatal(err)
		}
		return func(d *fixture.Delivery) error { return wh.Verify(d.Body, d.HTTP) }
	}},
	// clock-hmac is the floor: what any verifier must do, as fast as it can be done. One
	// read of the clock against the timestamp, and one HMAC-SHA256 pass (Reset, one Write
	// of the signed content built once, Sum into a fixed array) with a constant-time
	// compare. No header parsing, no timestamp parsing, no base64, no building of the
	// content per call.
	{"clock-hmac", func(tb testing.TB) func(d *fixture.Delivery) error { return floor(tb, true) }},
	// bare-hmac is clock-hmac without the clock read: the HMAC pass alone.
	{"bare-hmac", func(tb testing.TB) func(d *fixture.Delivery) error { return floor(tb, false) }},
}

// floor returns the verification of the floors (clock-hmac, bare-hmac).
func floor(tb testing.TB, clock bool) func(d *fixture.Delivery) error {
	mac := hmac.New(sha256.New, fixture.Key(fixture.Secret))
	var sum [sha256.Size]byte
	return func(d *fixture.Delivery) error {
		if clock && time.Now().Unix()-d.SignedAt > int64(tolerance/time.Second) {
			return errStale
		}
		mac.Reset()
		mac.Write(d.Signed)
		if subtle.ConstantTimeCompare(mac.Sum(sum[:0]), d.Expect) != 1 || !d.IsValid {
			return errMismatch
		}
		return nil
	}
}

var errStale = fmt.Errorf("clock-hmac: stale")

var errMismatch = fmt.Errorf("floor: no match")

func newOurs(tb testing.TB) *core.Verifier {
	v, err := core.NewVerifier(fixture.Secret, core.WithTolerance(tolerance))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// BenchmarkVerify compares verification of one delivery across libraries, body sizes,
// valid and invalid signatures, and one or three entries in webhook-signature (with
// three, the matching one is last).
func BenchmarkVerify(b *testing.B) {
	for _, lib := range verifiers {
		b.Run("lib="+lib.name, func(b *testing.B) {
			for _, size := range fixture.Sizes {
				body := fixture.EventBody(size.Bytes, 1)
				b.Run("size="+size.Label, func(b *testing.B) {
					for _, valid := range []bool{true, false} {
						b.Run("sig="+validLabel(valid), func(b *testing.B) {
							for _, n := range []int{1, 3} {
								b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
									// Signed now: svix and standard-webhooks always check
									// against time.Now with a fixed 5-minute tolerance.
									d := fixture.NewDelivery(body, fixture.WebhookID(1), time.Now(), n, valid)
									verify := lib.new(b)
									if err := verify(&d); (err == nil) != valid {
										b.Fatalf("%s: valid=%v, got error %v", lib.name, valid, err)
									}
									b.ReportAllocs()
									b.SetBytes(int64(len(body)))
									measure(b, func() error { return verify(&d) }, func(err error) bool { return (err == nil) == valid })
								})
							}
						})
					}
				})
			}
		})
	}
}

// BenchmarkUnwrap compares verify-then-parse of a valid batch.completed delivery with
// openai-go's Unwrap, which does the same into its own event union.
func BenchmarkUnwrap(b *testing.B) {
	unwrappers := []struct {
		name string
		new  func(tb testing.TB) func(d *fixture.Delivery) error
	}{
		{"ours", func(tb testing.TB) func(d *fixture.Delivery) error {
			v := newOurs(tb)
			return func(d *fixture.Delivery) error {
				e, err := v.Unwrap(d.Body, d.Core)
				if err == nil && e.Type != core.BatchCompleted {
					return fmt.Errorf("type %q", e.Type)
				}
				return err
			}
		}},
		{"ours-http", func(tb testing.TB) func(d *fixture.Delivery) error {
			v := newOurs(tb)
			return func(d *fixture.Delivery) error {
				e, err := v.Unwrap(d.Body, core.HeadersFrom(d.HTTP))
				if err == nil && e.Type != core.BatchCompleted {
					return fmt.Errorf("type %q", e.Type)
				}
				return err
			}
		}},
		{"openai-go", func(tb testing.TB) func(d *fixture.Delivery) error {
			svc := webhooks.NewWebhookService(option.WithWebhookSecret(fixture.Secret))
			return func(d *fixture.Delivery) error {
				e, err := svc.UnwrapWithToleranceAndTime(d.Body, d.HTTP, tolerance, time.Now())
				if err == nil && e.Type != "batch.completed" {
					return fmt.Errorf("type %q", e.Type)
				}
				return err
			}
		}},
	}
	for _, lib := range unwrappers {
		b.Run("lib="+lib.name, func(b *testing.B) {
			for _, size := range fixture.Sizes {
				body := fixture.EventBody(size.Bytes, 1)
				b.Run("size="+size.Label, func(b *testing.B) {
					d := fixture.NewDelivery(body, fixture.WebhookID(1), time.Now(), 1, true)
					unwrap := lib.new(b)
					if err := unwrap(&d); err != nil {
						b.Fatalf("%s: %v", lib.name, err)
					}
					b.ReportAllocs()
					b.SetBytes(int64(len(body)))
					measure(b, func() error { return unwrap(&d) }, func(err error) bool { return err == nil })
				})
			}
		})
	}
}

func validLabel(valid bool) string {
	if valid {
		return "valid"
	}
	return "invalid"
}
