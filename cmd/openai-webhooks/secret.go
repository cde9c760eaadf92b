package main

import (
	"fmt"

	"github.com/webhookkit/openai-webhooks/core"
)

var secretUsage = cmdUsage{
	name:     "secret",
	synopsis: "",
	about: `Prints a new signing secret: whsec_ followed by the base64 of 32 random bytes, the
form and size OpenAI uses. Use it for a development receiver (listen --secret) and its
sender (send --secret), or for your own tests. OpenAI makes the secret of a real
endpoint: copy that one from the dashboard.`,
	examples: `openai-webhooks secret
export OPENAI_WEBHOOK_SECRET=$(openai-webhooks secret)`,
}

func runSecret(c *cli, args []string) error {
	fs := newFlagSet("secret")
	if err := c.parse(fs, secretUsage, args); err != nil {
		return err
	}
	secret, err := core.GenerateSecret()
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, secret)
	return nil
}
