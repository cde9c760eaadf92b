package secrethint_test

import (
	"testing"

	"github.com/webhookkit/openai-webhooks/internal/secrethint"
)

func TestOf(t *testing.T) {
	for in, want := range map[string]string{
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw":     "whsec_MfKQ…",
		"  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n": "whsec_MfKQ…",
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw":           "MfKQ…",
		"whpk_MCowBQYDK2VwAyEA":                      "whpk_MCow…",
		"whsk_abcdefghij":                            "whsk_abcd…",
		"whsec_short":                                "whsec_…",
		"":                                           "…",
		"日本語日本語日本":                                   "日本語日…",
	} {
		if got := secrethint.Of(in); got != want {
			t.Errorf("Of(%q) = %q, want %q", in, got, want)
		}
	}
}
