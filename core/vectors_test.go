package core_test

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// vector is one known-answer case of ../testdata/vectors.json.
type vector struct {
	Name          string `json:"name"`
	Secret        string `json:"secret"`
	SigningSecret string `json:"signing_secret"`
	ID            string `json:"id"`
	Timestamp     string `json:"timestamp"`
	Now           int64  `json:"now"`
	Body          string `json:"body"`
	BodyRepeat    int    `json:"body_repeat"`
	Signature     string `json:"signature"`
}

func (v vector) body() []byte {
	if v.BodyRepeat > 0 {
		return []byte(strings.Repeat("a", v.BodyRepeat))
	}
	return []byte(v.Body)
}

func (v vector) headers() core.Headers {
	return core.Headers{ID: v.ID, Timestamp: v.Timestamp, Signature: v.Signature}
}

func loadVectors(tb testing.TB) (valid, invalid []vector) {
	tb.Helper()
	raw, err := os.ReadFile("../testdata/vectors.json")
	if err != nil {
		tb.Fatal(err)
	}
	var file struct {
		Valid   []vector `json:"valid"`
		Invalid []vector `json:"invalid"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		tb.Fatalf("vectors.json: %v", err)
	}
	if len(file.Valid) == 0 || len(file.Invalid) == 0 {
		tb.Fatalf("vectors.json: %d valid, %d invalid vectors; expected some of each", len(file.Valid), len(file.Invalid))
	}
	return file.Valid, file.Invalid
}

func TestVectorsValid(t *testing.T) {
	valid, _ := loadVectors(t)
	for _, vec := range valid {
		t.Run(vec.Name, func(t *testing.T) {
			v := mustVerifier(t, vec.Secret, fixedClock(time.Unix(vec.Now, 0)))
			if err := v.Verify(vec.body(), vec.headers()); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if vec.SigningSecret != "" {
				s := mustSigner(t, vec.SigningSecret)
				ts := mustParseUnix(t, vec.Timestamp)
				if got := s.Sign(vec.ID, ts, vec.body()); got != vec.Signature {
					t.Errorf("Sign = %q, want %q", got, vec.Signature)
				}
			}
			if strings.HasPrefix(vec.Secret, "whsec_") {
				// The HMAC vectors also reproduce with package core's signer and with
				// the independent implementation of the tests.
				ts := mustParseUnix(t, vec.Timestamp)
				if got := mustSigner(t, vec.Secret).Sign(vec.ID, ts, vec.body()); got != vec.Signature {
					t.Errorf("Signer.Sign = %q, want %q", got, vec.Signature)
				}
				if got := signV1(hmacKey(t, vec.Secret), vec.ID, vec.Timestamp, vec.body()); got != vec.Signature {
					t.Errorf("independent HMAC = %q, want %q", got, vec.Signature)
				}
			}
		})
	}
}

func TestVectorsInvalid(t *testing.T) {
	_, invalid := loadVectors(t)
	for _, vec := range invalid {
		t.Run(vec.Name, func(t *testing.T) {
			v := mustVerifier(t, vec.Secret, fixedClock(time.Unix(vec.Now, 0)))
			err := v.Verify(vec.body(), vec.headers())
			if err == nil {
				t.Fatal("Verify accepted an invalid vector")
			}
			// A vector verified too late fails on its age; every other one on its signature.
			want := core.ErrNoMatchingSignature
			if age := time.Unix(vec.Now, 0).Sub(mustParseUnix(t, vec.Timestamp)); age > core.DefaultTolerance {
				want = core.ErrTimestampTooOld
			}
			if !errors.Is(err, want) {
				t.Errorf("Verify: %v; want %v", err, want)
			}
			if core.StatusCode(err) != 400 {
				t.Errorf("StatusCode(%v) = %d, want 400", err, core.StatusCode(err))
			}
		})
	}
}

func mustParseUnix(tb testing.TB, s string) time.Time {
	tb.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		tb.Fatalf("timestamp %q: %v", s, err)
	}
	return time.Unix(n, 0)
}
