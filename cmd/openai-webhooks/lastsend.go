package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lastDelivery is what send remembers of the delivery it sent last, so that send --repeat
// can send it again as OpenAI retries a delivery: same webhook-id and body, new timestamp
// and signature. The secret is never stored: --repeat signs with the one it is given.
type lastDelivery struct {
	URL       string    `json:"url"`
	WebhookID string    `json:"webhook_id"`
	Body      []byte    `json:"body"`
	SentAt    time.Time `json:"sent_at"`
}

// lastDeliveryPath is the file in the user's cache directory ($XDG_CACHE_HOME, else
// ~/.cache on Linux) where send keeps its last delivery.
func lastDeliveryPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory to remember the last delivery in: %w", err)
	}
	return filepath.Join(dir, progName, "last-send.json"), nil
}

func saveLastDelivery(d lastDelivery) error {
	path, err := lastDeliveryPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	// Written aside and renamed, so that a send running at the same time never reads half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func loadLastDelivery() (lastDelivery, error) {
	var d lastDelivery
	path, err := lastDeliveryPath()
	if err != nil {
		return d, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, fmt.Errorf("--repeat: no previous delivery to repeat (%s does not exist); send one first", path)
	}
	if err != nil {
		return d, fmt.Errorf("--repeat: %w", err)
	}
	if err := json.Unmarshal(b, &d); err != nil || d.WebhookID == "" || d.URL == "" {
		return d, fmt.Errorf("--repeat: %s is not a delivery saved by send; send one again to replace it", path)
	}
	return d, nil
}
