// Package exampletest is the test the examples share beyond conformance.CheckExample:
// their program, started with a webhooktest secret, answers signed deliveries over
// loopback HTTP as it should.
package exampletest

import (
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// Case is one delivery sent to an example and what must come of it.
type Case struct {
	Name     string
	Delivery webhooktest.Delivery
	Status   int    // the status the example answers
	Output   string // a line the example logs for it
	// Hidden are texts the answer must not carry: the internal detail that belongs in
	// the log only.
	Hidden []string
}

// Deliveries starts run (with env, plus a fresh webhooktest secret, PORT 0 and HOST
// 127.0.0.1) and sends it, in order, the cases made by cases, each to POST
// /webhooks/openai. Each answer must have the case's status, and the output must then
// contain the case's line.
func Deliveries(t *testing.T, run conformance.RunFunc, env map[string]string, cases func(s *webhooktest.Sender) []Case) {
	t.Helper()
	sender := webhooktest.NewSender()
	all := map[string]string{core.EnvSecret: sender.Secret(), "PORT": "0", "HOST": "127.0.0.1"}
	for k, v := range env {
		all[k] = v
	}
	base, output := conformance.StartExample(t, run, all)
	for _, c := range cases(sender) {
		status, answer := conformance.Do(t, c.Delivery.NewClientRequest(base+"/webhooks/openai"))
		if status != c.Status {
			t.Errorf("%s: answered %d %s, want %d", c.Name, status, answer, c.Status)
		}
		for _, hidden := range c.Hidden {
			if strings.Contains(answer, hidden) {
				t.Errorf("%s: the answer %s carries the internal detail %q", c.Name, answer, hidden)
			}
		}
		if !strings.Contains(output(), c.Output) {
			t.Errorf("%s: the output does not contain %q:\n%s", c.Name, c.Output, output())
		}
	}
}

// Standard are the cases of an example that logs response_id for response.completed,
// acknowledges types it does not handle, answers 500 for data it cannot decode, and
// refuses another secret's deliveries. (Bodies over the limit, and the other refusals,
// are conformance.CheckExampleRefusals's.)
func Standard(s *webhooktest.Sender) []Case {
	return []Case{
		{Name: "response completed", Delivery: s.Delivery(core.ResponseCompleted, core.ResponseData{ID: "resp_1"}), Status: 200, Output: "response_id=resp_1"},
		{Name: "a type not known yet", Delivery: s.Delivery("example.new_type", map[string]string{"id": "x"}), Status: 200, Output: "type=example.new_type"},
		{Name: "data that does not decode", Delivery: s.Delivery(core.ResponseCompleted, map[string]int{"id": 42}), Status: 500, Output: "cannot decode the event", Hidden: []string{"unmarshal", "json:", "int"}},
		{Name: "signed with another secret", Delivery: webhooktest.NewSender().Delivery(core.ResponseCompleted, core.ResponseData{ID: "resp_2"}), Status: 400, Output: "delivery rejected"},
	}
}
