package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testredis"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestTwoReplicasHandleEachDeliveryOnce(t *testing.T) {
	client := testredis.Start(t)
	redisURL := fmt.Sprintf("redis://%s/%d", client.Options().Addr, client.Options().DB)
	var addrs []string
	var outputs []func() string
	for _, name := range []string{"a", "b"} {
		env := map[string]string{core.EnvSecret: secret, "REDIS_URL": redisURL, "PORT": "0", "HOST": "127.0.0.1", "REPLICA": name}
		url, output := conformance.StartExample(t, run, env)
		addrs = append(addrs, strings.TrimPrefix(url, "http://"))
		outputs = append(outputs, output)
	}
	logs := func() string { return outputs[0]() + outputs[1]() }

	signer, _ := core.NewSigner(secret)
	body := []byte(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`)
	headers := signer.Headers("wh_example_1", time.Now(), body)
	var duplicates int
	for i := range 6 { // the same delivery, alternately to each replica
		req, _ := http.NewRequest(http.MethodPost, "http://"+addrs[i%2]+"/webhooks/openai", bytes.NewReader(body))
		headers.Set(req.Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("delivery %d: %d %s", i, resp.StatusCode, answer)
		}
		if strings.Contains(string(answer), `"duplicate":true`) {
			duplicates++
		}
	}
	if duplicates != 5 {
		t.Fatalf("%d of 6 answers were duplicates, want 5", duplicates)
	}
	if n := strings.Count(logs(), "msg=handled"); n != 1 {
		t.Fatalf("handled %d times across replicas, want once; logs:\n%s", n, logs())
	}
	resp, err := http.Get("http://" + addrs[1] + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestStartFailsClearlyWithoutSecret(t *testing.T) {
	err := run(context.Background(), func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), core.EnvSecret) {
		t.Fatalf("run without a secret: %v, want an error naming %s", err, core.EnvSecret)
	}
}
