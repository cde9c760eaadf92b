package receive

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// VerifyText checks the signature over the decoded bytes, and measures a base64 text
// against the limit, to the byte, before decoding it.
func TestVerifyText(t *testing.T) {
	secret, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := core.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	event := func(size int) []byte {
		head := `{"id":"evt_1","object":"event","created_at":1,"type":"batch.completed","data":{},"pad":"`
		return []byte(head + strings.Repeat("x", size-len(head)-2) + `"}`)
	}
	b64 := base64.StdEncoding.EncodeToString
	for _, limit := range []int64{300, 301, 302} { // every remainder of the base64 padding
		p := New(v, Config{MaxBodyBytes: limit, Logger: slog.New(slog.DiscardHandler)})
		for _, c := range []struct {
			name     string
			body     []byte
			text     string
			isBase64 bool
			want     error
		}{
			{"plain, at the limit", event(int(limit)), string(event(int(limit))), false, nil},
			{"plain, over the limit", event(int(limit) + 1), string(event(int(limit) + 1)), false, core.ErrBodyTooLarge},
			{"base64, at the limit", event(int(limit)), b64(event(int(limit))), true, nil},
			{"base64, one byte over the limit", event(int(limit) + 1), b64(event(int(limit) + 1)), true, core.ErrBodyTooLarge},
			{"base64 text verified as if it were the body", event(100), b64(event(100)), false, core.ErrNoMatchingSignature},
			{"not base64", event(100), "!" + b64(event(100))[1:], true, core.ErrUnreadableBody},
		} {
			h := signer.Headers("wh_1", time.Now(), c.body)
			_, e, err := p.VerifyText(context.Background(), c.text, c.isBase64, h)
			switch {
			case c.want == nil && (err != nil || string(e.Raw) != string(c.body)):
				t.Fatalf("limit %d, %s: got %v; want the event with the decoded bytes", limit, c.name, err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("limit %d, %s: got %v, want %v", limit, c.name, err, c.want)
			}
		}
	}
}
