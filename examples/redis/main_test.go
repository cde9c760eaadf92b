package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

func TestTwoReplicasHandleEachDeliveryOnce(t *testing.T) {
	client := testredis.Start(t)
	redisURL := fmt.Sprintf("redis://%s/%d", client.Options().Addr, client.Options().DB)
	sender := webhooktest.NewSender()
	var urls []string
	var outputs []func() string
	for _, name := range []string{"a", "b"} {
		env := map[string]string{core.EnvSecret: sender.Secret(), "REDIS_URL": redisURL, "PORT": "0", "HOST": "127.0.0.1", "REPLICA": name}
		url, output := conformance.StartExample(t, run, env)
		urls = append(urls, url)
		outputs = append(outputs, output)
	}
	logs := func() string { return outputs[0]() + outputs[1]() }

	// The same delivery, alternately to each replica: what OpenAI's retries look like.
	delivery := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"}, webhooktest.WithWebhookID("wh_example_1"))
	var duplicates int
	for i := range 6 {
		status, answer := conformance.Do(t, delivery.NewClientRequest(urls[i%2]+"/webhooks/openai"))
		if status != 200 {
			t.Fatalf("delivery %d: %d %s", i, status, answer)
		}
		if strings.Contains(answer, `"duplicate":true`) {
			duplicates++
		}
	}
	if duplicates != 5 {
		t.Fatalf("%d of 6 answers were duplicates, want 5", duplicates)
	}
	if n := strings.Count(logs(), "msg=handled"); n != 1 {
		t.Fatalf("handled %d times across replicas, want once; logs:\n%s", n, logs())
	}
	resp, err := http.Get(urls[1] + "/health")
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
