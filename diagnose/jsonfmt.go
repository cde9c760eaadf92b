package diagnose

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

// JSONStyle is one way a JSON value may be serialised. The diagnosis re-serialises a
// body in every style of JSONStyles to find out whether the signed bytes were a
// different serialisation of the same JSON; tools that make realistic deliveries write
// OpenAIStyle, the one OpenAI sends.
type JSONStyle struct {
	ItemSep    string // between members: "," or ", " (ignored when indenting)
	KeySep     string // between key and value: ":" or ": "
	Indent     string // "" for one line, else the indent of each level
	SortKeys   bool   // keys sorted, as re-marshalling a map does
	ASCIIOnly  bool   // non-ASCII as \uXXXX, as Python's json.dumps does by default
	EscapeHTML bool   // <, > and & as \u003c…, as Go's json.Marshal does
}

// OpenAIStyle is how OpenAI serialises event bodies: {"id": "evt_…", "object": "event", …}.
// It is a function, not a variable, so that no caller can change it for the others.
func OpenAIStyle() JSONStyle { return JSONStyle{ItemSep: ", ", KeySep: ": "} }

// String describes the style in words, as the diagnosis reports it: "compact (no
// spaces), key order kept".
func (s JSONStyle) String() string {
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

// JSONStyles lists the serialisations verify tries: what JSON.stringify, json.Marshal,
// json.dumps, MarshalIndent and friends produce.
func JSONStyles() []JSONStyle {
	var out []JSONStyle
	layouts := []JSONStyle{
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

// jsonNode is a parsed JSON value that keeps object key order and number text.
type jsonNode struct {
	kind   byte // '{', '[', 's' string, 'n' number, 'l' literal (true, false, null)
	text   string
	keys   []string
	values []*jsonNode
}

// Format serialises the JSON document body in style s, keeping its key order (unless
// SortKeys) and number text. It fails when body is not exactly one JSON value
// (surrounding white space allowed).
func (s JSONStyle) Format(body []byte) ([]byte, error) {
	node, err := parseJSON(body)
	if err != nil {
		return nil, err
	}
	return s.format(node), nil
}

// format serialises a parsed document: the diagnosis parses a body once for all styles.
func (s JSONStyle) format(node *jsonNode) []byte {
	var b bytes.Buffer
	writeJSON(&b, node, s, 0)
	return b.Bytes()
}

func parseJSON(body []byte) (*jsonNode, error) {
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

func parseValue(dec *json.Decoder) (*jsonNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &jsonNode{kind: '{'}
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
			n := &jsonNode{kind: '['}
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
		return &jsonNode{kind: 's', text: t}, nil
	case json.Number:
		return &jsonNode{kind: 'n', text: t.String()}, nil
	case bool:
		return &jsonNode{kind: 'l', text: fmt.Sprint(t)}, nil
	case nil:
		return &jsonNode{kind: 'l', text: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func writeJSON(b *bytes.Buffer, n *jsonNode, s JSONStyle, depth int) {
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

func writeJSONString(b *bytes.Buffer, str string, s JSONStyle) {
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
