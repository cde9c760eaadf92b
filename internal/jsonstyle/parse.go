package jsonstyle

import (
	"encoding/json"
	"errors"
)

// errNotOneValue is Parse's refusal.
var errNotOneValue = errors.New("not exactly one JSON value")

// Parse reads body, which must be exactly one JSON value (surrounding white space
// allowed).
//
// encoding/json checks the syntax (json.Valid, which allocates nothing); the tree is then
// built by a scanner that may assume valid input. Reading token by token with a
// json.Decoder instead costs about thirty times as much, and a diagnosis parses bodies
// of up to 64 KiB (see docs/diagnosis.md). Strings read as encoding/json reads them.
func Parse(body []byte) (*Node, error) {
	if !json.Valid(body) {
		return nil, errNotOneValue
	}
	p := parser{b: body}
	root := p.value()
	root.size = len(body)
	return root, nil
}

// parser walks a document json.Valid accepted: it never meets a syntax error.
type parser struct {
	b []byte
	i int
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value() *Node {
	p.space()
	switch p.b[p.i] {
	case '{':
		p.i++
		n := &Node{kind: '{'}
		p.space()
		if p.b[p.i] == '}' {
			p.i++
			return n
		}
		for {
			p.space()
			n.keys = append(n.keys, p.string())
			p.space()
			p.i++ // ':'
			n.values = append(n.values, p.value())
			p.space()
			p.i++ // ',' or '}'
			if p.b[p.i-1] == '}' {
				return n
			}
		}
	case '[':
		p.i++
		n := &Node{kind: '['}
		p.space()
		if p.b[p.i] == ']' {
			p.i++
			return n
		}
		for {
			n.values = append(n.values, p.value())
			p.space()
			p.i++ // ',' or ']'
			if p.b[p.i-1] == ']' {
				return n
			}
		}
	case '"':
		return &Node{kind: 's', text: p.string()}
	case 't', 'f', 'n':
		start := p.i
		for p.i < len(p.b) && p.b[p.i] >= 'a' && p.b[p.i] <= 'z' {
			p.i++
		}
		return &Node{kind: 'l', text: string(p.b[start:p.i])}
	default:
		start := p.i
		for p.i < len(p.b) && isNumberByte(p.b[p.i]) {
			p.i++
		}
		return &Node{kind: 'n', text: string(p.b[start:p.i])}
	}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// string reads the string at p.i. One without escapes is its bytes (invalid UTF-8
// included: Write escapes it as encoding/json's replacement would be); one with escapes
// is decoded by encoding/json.
func (p *parser) string() string {
	start := p.i
	p.i++
	escaped := false
	for p.b[p.i] != '"' {
		if p.b[p.i] == '\\' {
			escaped = true
			p.i++
		}
		p.i++
	}
	p.i++
	raw := p.b[start:p.i]
	if !escaped {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid, being part of a valid document
	return s
}
