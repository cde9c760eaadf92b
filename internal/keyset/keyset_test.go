package keyset_test

import (
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/keyset"
)

// Of reads a verifier's keys, clock and tolerance as copies; anything else is refused;
// a second Register changes nothing.
func TestOf(t *testing.T) {
	at := time.Unix(1750861210, 0)
	v, err := core.NewVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		core.WithSecret("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
		core.WithTolerance(time.Minute), core.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	set, ok := keyset.Of(v)
	if !ok || len(set.Keys) != 2 || set.Keys[0].HMAC == nil || set.Keys[1].Public == nil ||
		set.Tolerance != time.Minute || !set.Now().Equal(at) {
		t.Fatalf("Of = %+v, %v", set, ok)
	}
	set.Keys[0].HMAC[0] ^= 0xFF // a copy: the verifier keeps its key
	again, _ := keyset.Of(v)
	if again.Keys[0].HMAC[0] == set.Keys[0].HMAC[0] {
		t.Error("Of handed out the verifier's own key bytes")
	}
	keyset.Register(func(any) (keyset.Set, bool) { return keyset.Set{}, true })
	for _, x := range []any{nil, (*core.Verifier)(nil), "whsec_…"} {
		if _, ok := keyset.Of(x); ok {
			t.Errorf("Of(%#v) succeeded", x)
		}
	}
	if after, _ := keyset.Of(v); len(after.Keys) != 2 {
		t.Error("a second Register replaced core's reader")
	}
}
