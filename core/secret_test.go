package core_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

func TestNewVerifierRefuses(t *testing.T) {
	ed := newEd25519Keys(t)
	good := signedHeaders(t, testID, testNow, testBody())
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct{ name, secret, want string }{
		{"empty", "", "empty"},
		{"white space only", " \t\n", "empty"},
		{"whsec_ with nothing after", "whsec_", "0 bytes"},
		{"bad base64", "whsec_this is not base64!", "base64"},
		{"bad base64, bare", "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%", "base64"},
		{"key of 23 bytes", "whsec_" + b64(bytes.Repeat([]byte{1}, 23)), "23 bytes"},
		{"key of 1 byte", "whsec_" + b64([]byte{1}), "1 bytes"},
		{"bare key of 23 bytes", b64(bytes.Repeat([]byte{1}, 23)), "23 bytes"},
		{"v1 signature pasted as secret", good.Signature, "signature"},
		{"v1a signature pasted as secret", "v1a," + strings.TrimPrefix(good.Signature, "v1,"), "signature"},
		{"short v1 signature as secret", "v1,ab", "signature"},
		{"whsk_ signing key", ed.private, "whpk_"},
		{"whpk_ bad base64", "whpk_!!!", "base64"},
		{"whpk_ of 31 bytes", "whpk_" + b64(ed.pub[:31]), "31 bytes"},
		{"whpk_ of a P-256 DER key", "whpk_" + ecdsaDER(t), "ecdsa"},
		{"whpk_ holding a private key", "whpk_" + b64(ed.priv), "64 bytes"},
		{"whsec_ in double quotes", `"` + testSecret + `"`, "the secret is quoted (it starts and ends with \")"},
		{"whsec_ in single quotes", "'" + testSecret + "'", "quoted"},
		{"bare base64 in quotes", `"` + strings.TrimPrefix(testSecret, "whsec_") + `"`, "remove the quotes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := core.NewVerifier(tc.secret)
			if !errors.Is(err, core.ErrInvalidSecret) {
				t.Fatalf("NewVerifier(%q) = %v, %v; want ErrInvalidSecret", tc.secret, v, err)
			}
			if v != nil {
				t.Errorf("a Verifier was returned with the error")
			}
			// The error must not repeat the secret material.
			if len(tc.secret) > 12 && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q contains the secret", err)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if core.StatusCode(err) != 500 {
				t.Errorf("StatusCode = %d, want 500 (a configuration error)", core.StatusCode(err))
			}
		})
	}
}

func TestNewVerifierAccepts(t *testing.T) {
	body := testBody()
	v1 := signedHeaders(t, testID, testNow, body)
	ed := newEd25519Keys(t)
	v1a := mustSigner(t, ed.private).Headers(testID, testNow, body)
	bare := strings.TrimPrefix(testSecret, "whsec_")
	b64 := base64.StdEncoding.EncodeToString
	key24 := bytes.Repeat([]byte{9}, 24)
	key64 := bytes.Repeat([]byte{8}, 64)

	tests := []struct {
		name, secret string
		h            core.Headers
		body         []byte
	}{
		{"whsec_", testSecret, v1, body},
		{"bare base64", bare, v1, body},
		{"unpadded base64", strings.TrimRight(testSecret, "="), v1, body},
		{"bare unpadded base64", strings.TrimRight(bare, "="), v1, body},
		{"surrounding white space", " \t" + testSecret + "\r\n", v1, body},
		{"key of 24 bytes", "whsec_" + b64(key24), signedWith(t, key24, body), body},
		{"key of 64 bytes", "whsec_" + b64(key64), signedWith(t, key64, body), body},
		{"whpk_ raw 32 bytes", ed.public, v1a, body},
		{"whpk_ DER", ed.publicDER, v1a, body},
		{"whpk_ unpadded", strings.TrimRight(ed.public, "="), v1a, body},
		{"whpk_ with white space", "\n" + ed.publicDER + " ", v1a, body},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := mustVerifier(t, tc.secret, fixedClock(testNow))
			if err := v.Verify(tc.body, tc.h); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func signedWith(tb testing.TB, key, body []byte) core.Headers {
	ts := itoa(testNow.Unix())
	return core.Headers{ID: testID, Timestamp: ts, Signature: signV1(key, testID, ts, body)}
}

func TestNewVerifierFromEnv(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)

	t.Run("set", func(t *testing.T) {
		t.Setenv(core.EnvSecret, testSecret)
		v, err := core.NewVerifierFromEnv(fixedClock(testNow))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(body, h); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("set with trailing newline", func(t *testing.T) {
		t.Setenv(core.EnvSecret, testSecret+"\n")
		v, err := core.NewVerifierFromEnv(fixedClock(testNow))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(body, h); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("options apply", func(t *testing.T) {
		t.Setenv(core.EnvSecret, testSecret)
		v, err := core.NewVerifierFromEnv(core.WithTolerance(time.Second), fixedClock(testNow.Add(2*time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(body, h); !errors.Is(err, core.ErrTimestampTooOld) {
			t.Fatalf("Verify: %v, want ErrTimestampTooOld", err)
		}
		if _, err := core.NewVerifierFromEnv(core.WithTolerance(-1)); !errors.Is(err, core.ErrInvalidOption) {
			t.Fatalf("negative tolerance: %v, want ErrInvalidOption", err)
		}
	})
	t.Run("unset", func(t *testing.T) {
		t.Setenv(core.EnvSecret, "") // restores the variable after the test
		unsetenv(t, core.EnvSecret)
		_, err := core.NewVerifierFromEnv()
		if !errors.Is(err, core.ErrInvalidSecret) || !strings.Contains(err.Error(), core.EnvSecret) {
			t.Fatalf("unset: %v, want ErrInvalidSecret naming %s", err, core.EnvSecret)
		}
	})
	t.Run("empty", func(t *testing.T) {
		t.Setenv(core.EnvSecret, "  ")
		if _, err := core.NewVerifierFromEnv(); !errors.Is(err, core.ErrInvalidSecret) {
			t.Fatalf("empty: %v, want ErrInvalidSecret", err)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		t.Setenv(core.EnvSecret, "whsec_tooshort")
		_, err := core.NewVerifierFromEnv()
		if !errors.Is(err, core.ErrInvalidSecret) || !strings.Contains(err.Error(), core.EnvSecret) {
			t.Fatalf("invalid: %v, want ErrInvalidSecret naming %s", err, core.EnvSecret)
		}
	})
}

// ecdsaDER returns the DER SubjectPublicKeyInfo of a new P-256 key, base64: a valid
// public key of the wrong kind.
func ecdsaDER(tb testing.TB) string {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}
