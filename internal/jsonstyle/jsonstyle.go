// Package jsonstyle writes a JSON document again in the styles programs serialise JSON
// in (compact, spaced, indented, keys sorted, non-ASCII or HTML escaped): package
// diagnose tries them all to recognise a re-serialised body, and the CLI writes bodies
// in OpenAI's style. Key order and number text are kept unless a style says otherwise.
package jsonstyle

import (
	"bytes"
	"fmt"
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
	size   int // the length of the text parsed, in the document's root
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
	b.Grow(node.size + node.size/8) // room for a few escapes, in one allocation
	writeJSON(&b, node, s, 0)
	return b.Bytes()
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
		var order []int // nil: the document's order
		if n.kind == '{' && s.SortKeys {
			order = make([]int, len(n.values))
			for i := range order {
				order[i] = i
			}
			sort.SliceStable(order, func(i, j int) bool { return n.keys[order[i]] < n.keys[order[j]] })
		}
		for i := range n.values {
			idx := i
			if order != nil {
				idx = order[i]
			}
			if i > 0 {
				if s.Indent != "" {
					b.WriteByte(',')
				} else {
					b.WriteString(s.ItemSep)
				}
			}
			if s.Indent != "" {
				writeIndent(b, s.Indent, depth+1)
			}
			if n.kind == '{' {
				writeJSONString(b, n.keys[idx], s)
				b.WriteString(s.KeySep)
			}
			writeJSON(b, n.values[idx], s, depth+1)
		}
		if s.Indent != "" {
			writeIndent(b, s.Indent, depth)
		}
		b.WriteByte(closing)
	}
}

func writeIndent(b *bytes.Buffer, indent string, depth int) {
	b.WriteByte('\n')
	for range depth {
		b.WriteString(indent)
	}
}

const hexDigits = "0123456789abcdef"

// writeJSONString writes str quoted in style s. Runs of bytes that need no escape are
// copied at once; the rest goes rune by rune.
func writeJSONString(b *bytes.Buffer, str string, s Style) {
	b.WriteByte('"')
	for len(str) > 0 {
		plain := 0
		for plain < len(str) && plainByte(str[plain], s) {
			plain++
		}
		b.WriteString(str[:plain])
		str = str[plain:]
		if len(str) == 0 {
			break
		}
		r, size := utf8.DecodeRuneInString(str)
		str = str[size:]
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
			writeEscape(b, r)
		case r >= 0x80 && s.ASCIIOnly:
			if r > 0xFFFF {
				r -= 0x10000
				writeEscape(b, 0xD800+(r>>10))
				writeEscape(b, 0xDC00+(r&0x3FF))
			} else {
				writeEscape(b, r)
			}
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// plainByte reports whether c, an ASCII byte, is written as itself in style s.
func plainByte(c byte, s Style) bool {
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && !(s.EscapeHTML && (c == '<' || c == '>' || c == '&'))
}

// writeEscape writes r, at most 0xFFFF, as \uXXXX.
func writeEscape(b *bytes.Buffer, r rune) {
	b.WriteString(`\u`)
	b.WriteByte(hexDigits[r>>12&0xF])
	b.WriteByte(hexDigits[r>>8&0xF])
	b.WriteByte(hexDigits[r>>4&0xF])
	b.WriteByte(hexDigits[r&0xF])
}
