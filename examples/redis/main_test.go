package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testredis"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// syncBuffer is an io.Writer safe for the two replicas' loggers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestTwoReplicasHandleEachDeliveryOnce(t *testing.T) {
	client := testredis.Start(t)
	redisURL := fmt.Sprintf("redis://%s/%d", client.Options().Addr, client.Options().DB)
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	var addrs []string
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b"} {
		env := map[string]string{core.EnvSecret: secret, "REDIS_URL": redisURL, "PORT": "0", "HOST": "127.0.0.1", "REPLICA": name}
		ready := make(chan string, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx, func(k string) string { return env[k] }, &logs, ready); err != nil {
				t.Errorf("replica %s: %v", name, err)
			}
		}()
		select {
		case addr := <-ready:
			addrs = append(addrs, addr)
		case <-time.After(10 * time.Second):
			t.Fatalf("replica %s did not start: %s", name, logs.String())
		}
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

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
	if n := strings.Count(logs.String(), "msg=handled"); n != 1 {
		t.Fatalf("handled %d times across replicas, want once; logs:\n%s", n, logs.String())
	}
	resp, err := http.Get("http://" + addrs[1] + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestStartFailsClearlyWithoutSecret(t *testing.T) {
	err := run(context.Background(), func(string) string { return "" }, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), core.EnvSecret) {
		t.Fatalf("run without a secret: %v, want an error naming %s", err, core.EnvSecret)
	}
}
