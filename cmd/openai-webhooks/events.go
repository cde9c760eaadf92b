package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
)

var eventsUsage = cmdUsage{
	name:     "events",
	synopsis: "[--json]",
	about: `Lists the event types OpenAI sends today, the fields of their data ("?" marks an
optional field) and when each is sent. New types appear over time: a receiver must
accept an event of a type it does not know (the library passes it through untouched).
With --json, prints a JSON array with a sample of each event's data.`,
	examples: `openai-webhooks events
openai-webhooks events --json | jq -r '.[].type'`,
}

type eventJSON struct {
	Type        string          `json:"type"`
	Fields      []string        `json:"fields"`
	Optional    []string        `json:"optional_fields"`
	Description string          `json:"description"`
	SampleData  json.RawMessage `json:"sample_data"`
}

func runEvents(c *cli, args []string) error {
	fs := newFlagSet("events")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	if err := c.parse(fs, eventsUsage, args); err != nil {
		return err
	}
	infos := allEventInfo()
	if *asJSON {
		out := make([]eventJSON, 0, len(infos))
		for _, info := range infos {
			e := eventJSON{Type: string(info.Type), Fields: []string{}, Optional: []string{}, Description: info.About}
			for _, f := range strings.Fields(info.Fields) {
				if name, optional := strings.CutSuffix(f, "?"); optional {
					e.Optional = append(e.Optional, name)
				} else {
					e.Fields = append(e.Fields, name)
				}
			}
			data, err := marshalPlain(sampleData(info.Type, c.now()))
			if err != nil {
				return err
			}
			e.SampleData = data
			out = append(out, e)
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tDATA FIELDS\tSENT WHEN")
	for _, info := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", info.Type, info.Fields, info.About)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "\n%d types. Every body: {\"id\": \"evt_…\", \"object\": \"event\", \"created_at\": <unix s>, \"type\": \"<type>\", \"data\": {…}}\n", len(infos))
	fmt.Fprintf(c.stdout, "sip_headers = [{\"name\": …, \"value\": …}], connect = {\"remote_url\": …}, required_action = {\"type\": …}\n")
	return nil
}
