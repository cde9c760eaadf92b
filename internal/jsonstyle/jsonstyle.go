// Package jsonstyle writes a JSON document again in the styles programs serialise JSON
// in (compact, spaced, indented, keys sorted, non-ASCII or HTML escaped): package
// diagnose tries them all to recognise a re-serialised body, and the CLI writes bodies
// in OpenAI's style. Key order and number text are kept unless a style says otherwise.
package jsonstyle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Style is one way a JSON value may be serialised. The diagnosis re-serialises a body in
// every style of All to find out whether the signed bytes were a different serialisation
// of the same JSON; tools that make realistic deliveries write OpenAI, the one OpenAI
// sends.
type Style struct {
	ItemSep    string // between members: "," or ", " (ignored when indenting)
	KeySep     string // between key and value: ":" or ": "
	Indent     string // "" for one line, else the indent of each level
	SortKeys   bool   // keys sorted, as re-marshalling a map does
	ASCIIOnly  bool   // non-ASCII as \uXXXX, as Python's json.dumps does by default
	EscapeHTML bool   // <, > and & as \u003c…, as Go's json.Marshal does
}

// OpenAI is how OpenAI serialises event bodies: {"id": "evt_…", "object": "event", …}.
// It is a function, not a variable, so that no caller can change it for the others.
func OpenAI() Style { return Style{ItemSep: ", ", KeySep: ": "} }

// String describes the style in words, as the diagnosis reports it: "compact (no
// spaces), key order kept".
func (s Style) String() string {
	var parts []string
	switch {
	case s.Indent == "\t":
		parts = append(parts, "indented with tabs")
	case s.Indent != "":
		parts = append(parts, fmt.Sprintf("indented with %d spaces", len(s.Indent)))
	case s.ItemSep == "," && s.KeySep == ":":
		parts = append(parts, "compact (no spaces)")
	default:
		parts = append(parts, fmt.Sprintf("on one line with %q and %q separators", s.ItemSep, s.KeySep))
	}
	if s.SortKeys {
		parts = append(parts, "keys sorted")
	} else {
		parts = append(parts, "key order kept")
	}
	if s.ASCIIOnly {
		parts = append(parts, `non-ASCII escaped as \uXXXX`)
	}
	if s.EscapeHTML {
		parts = append(parts, `<, > and & escaped`)
	}
	return strings.Join(parts, ", ")
}

// All lists the serialisations the diagnosis tries, most common first: what
// JSON.stringify, json.Marshal, json.dumps, MarshalIndent and friends produce.
func All() []Style {
	var out []Style
	layouts := []Style{
		{ItemSep: ",", KeySep: ":"},
		{ItemSep: ", ", KeySep: ": "},
		{ItemSep: ",", KeySep: ": ", Indent: "  "},
		{ItemSep: ",", KeySep: ": ", Indent: "    "},
		{ItemSep: ",", KeySep: ": ", Indent: "\t"},
	}
	for _, l := range layouts {
		for _, sorted := range []bool{false, true} {
			for _, ascii := range []bool{false, true} {
				for _, html := range []bool{false, true} {
					s := l
					s.SortKeys, s.ASCIIOnly, s.EscapeHTML = sorted, ascii, html
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// Node is a parsed JSON document that keeps object key order and number text: Parse
// it once, then write it in each style with Write.
type Node struct {
	kind   byte // '{', '[', 's' string, 'n' number, 'l' literal (true, false, null)
	text   string
	keys   []string
	values []*Node
}

// Format serialises the JSON document body in style s, keeping its key order (unless
// SortKeys) and number text. It fails when body is not exactly one JSON value
// (surrounding white space allowed).
func (s Style) Format(body []byte) ([]byte, error) {
	node, err := Parse(body)
	if err != nil {
		return nil, err
	}
	return s.Write(node), nil
}

// Write serialises a parsed document: the diagnosis parses a body once for all styles.
func (s Style) Write(node *Node) []byte {
	var b bytes.Buffer
	writeJSON(&b, node, s, 0)
	return b.Bytes()
}

// Parse reads body, which must be exactly one JSON value (surrounding white space
// allowed).
func Parse(body []byte) (*Node, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	node, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return node, nil
}

func parseValue(dec *json.Decoder) (*Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &Node{kind: '{'}
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := keyTok.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.values = append(n.values, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '[':
			n := &Node{kind: '['}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.values = append(n.values, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &Node{kind: 's', text: t}, nil
	case json.Number:
		return &Node{kind: 'n', text: t.String()}, nil
	case bool:
		return &Node{kind: 'l', text: fmt.Sprint(t)}, nil
	case nil:
		return &Node{kind: 'l', text: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func writeJSON(b *bytes.Buffer, n *Node, s Style, depth int) {
	switch n.kind {
	case 's':
		writeJSONString(b, n.text, s)
	case 'n', 'l':
		b.WriteString(n.text)
	case '{', '[':
		open, closing := byte('{'), byte('}')
		if n.kind == '[' {
			open, closing = '[', ']'
		}
		b.WriteByte(open)
		if len(n.values) == 0 {
			b.WriteByte(closing)
			return
		}
		order := make([]int, len(n.values))
		for i := range order {
			order[i] = i
		}
		if n.kind == '{' && s.SortKeys {
			sort.SliceStable(order, func(i, j int) bool { return n.keys[order[i]] < n.keys[order[j]] })
		}
		for i, idx := range order {
			if i > 0 {
				if s.Indent != "" {
					b.WriteByte(',')
				} else {
					b.WriteString(s.ItemSep)
				}
			}
			if s.Indent != "" {
				b.WriteByte('\n')
				b.WriteString(strings.Repeat(s.Indent, depth+1))
			}
			if n.kind == '{' {
				writeJSONString(b, n.keys[idx], s)
				b.WriteString(s.KeySep)
			}
			writeJSON(b, n.values[idx], s, depth+1)
		}
		if s.Indent != "" {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(s.Indent, depth))
		}
		b.WriteByte(closing)
	}
}

func writeJSONString(b *bytes.Buffer, str string, s Style) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range str {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20, s.EscapeHTML && (r == '<' || r == '>' || r == '&'):
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xF])
		case r >= 0x80 && s.ASCIIOnly:
			if r > 0xFFFF {
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			} else {
				fmt.Fprintf(b, `\u%04x`, r)
			}
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
