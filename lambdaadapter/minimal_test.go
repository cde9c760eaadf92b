package lambdaadapter_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// The fields the package doc and docs/serverless.md say an event must carry are enough:
// an event of each source with only those is accepted, in that source's answer shape.
func TestMinimalEvents(t *testing.T) {
	sender := webhooktest.NewSender()
	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_min"})
	headers, err := json.Marshal(map[string]string{
		core.HeaderID: d.Headers.ID, core.HeaderTimestamp: d.Headers.Timestamp, core.HeaderSignature: d.Headers.Signature,
	})
	if err != nil {
		t.Fatal(err)
	}
	multi, err := json.Marshal(map[string][]string{
		core.HeaderID: {d.Headers.ID}, core.HeaderTimestamp: {d.Headers.Timestamp}, core.HeaderSignature: {d.Headers.Signature},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(string(d.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, rc string
		multi    bool
		alb      string
	}{
		{"HTTP API", `"version":"2.0","requestContext":{"http":{"method":"POST"}}`, false, ""},
		{"function URL", `"version":"2.0","requestContext":{"http":{},"domainName":"u.lambda-url.eu-west-1.on.aws"}`, false, ""},
		{"REST API by httpMethod", `"requestContext":{"httpMethod":"POST"}`, false, ""},
		{"REST API by resourcePath, multi-value", `"requestContext":{"resourcePath":"/"}`, true, ""},
		{"ALB", `"requestContext":{"elb":{"targetGroupArn":"arn"}}`, false, "200 OK"},
		{"ALB multi-value", `"requestContext":{"elb":{}}`, true, "200 OK"},
	} {
		h := &calls{}
		fn := lambdaadapter.Handler(sender.Verifier(), h, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
		hs := `"headers":` + string(headers)
		if c.multi {
			hs = `"multiValueHeaders":` + string(multi)
		}
		payload := fmt.Sprintf(`{%s,%s,"body":%s,"isBase64Encoded":false}`, c.rc, hs, body)
		r := invoke(t, fn, []byte(payload))
		if r.StatusCode != http.StatusOK || h.count() != 1 || r.StatusDescription != c.alb {
			t.Errorf("%s: got %d %q %s with %d calls, want 200 and one call\n%s", c.name, r.StatusCode, r.StatusDescription, r.Body, h.count(), payload)
		}
	}
}
