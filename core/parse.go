package core

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The event envelope is parsed by a small scanner instead of encoding/json: it validates
// the whole body as JSON in one pass, keeps data as a slice of the body, and allocates
// only the strings it returns. Receiving a delivery is dominated by this step otherwise.
// Keys match exactly (encoding/json would also take "ID" for "id"); a repeated key
// counts as its last occurrence, as in encoding/json.

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

var errSyntax = errors.New("invalid JSON")

type scanner struct {
	b []byte
	i int
}

func parseEnvelope(body []byte, e *Event) error {
	s := scanner{b: body}
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return errNotObject
	}
	s.i++
	s.skipSpace()
	if s.peek() == '}' {
		s.i++
		return s.end()
	}
	for {
		s.skipSpace()
		keyStart := s.i
		keyEscaped, err := s.skipString()
		if err != nil {
			return err
		}
		key := s.b[keyStart+1 : s.i-1]
		s.skipSpace()
		if s.peek() != ':' {
			return s.syntaxError("expected ':' after an object key")
		}
		s.i++
		s.skipSpace()
		valueStart := s.i
		if err := s.skipValue(1); err != nil {
			return err
		}
		if err := e.setField(key, keyEscaped, s.b[keyStart:keyStart+len(key)+2], s.b[valueStart:s.i]); err != nil {
			return err
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return s.end()
		default:
			return s.syntaxError("expected ',' or '}' after an object value")
		}
	}
}

var errNotObject = errors.New("not a JSON object")

// setField stores one top-level member. rawKey is the key with its quotes.
func (e *Event) setField(key []byte, escaped bool, rawKey, value []byte) error {
	if escaped {
		var decoded string
		if err := json.Unmarshal(rawKey, &decoded); err != nil {
			return fmt.Errorf("%w: %v", errSyntax, err)
		}
		key = []byte(decoded)
	}
	switch string(key) {
	case "id":
		return decodeString(value, &e.ID, "id")
	case "object":
		if string(value) == `"event"` { // what OpenAI always sends: no allocation
			e.Object = "event"
			return nil
		}
		return decodeString(value, &e.Object, "object")
	case "type":
		if t, ok := knownTypeOf(value); ok {
			e.Type = t
			return nil
		}
		var t string
		err := decodeString(value, &t, "type")
		e.Type = EventType(t)
		return err
	case "created_at":
		n, ok := parseInt64(value)
		if !ok {
			return fmt.Errorf("\"created_at\" is %s, not a whole number of Unix seconds", truncate(string(value), 24))
		}
		e.CreatedAt = n
	case "data":
		e.Data = json.RawMessage(value)
	}
	return nil
}

// knownTypeOf returns the constant for a quoted known type, so that the common case
// allocates no string.
func knownTypeOf(quoted []byte) (EventType, bool) {
	if len(quoted) < 2 || quoted[0] != '"' {
		return "", false
	}
	inner := quoted[1 : len(quoted)-1]
	for _, t := range knownEventTypes() {
		if string(t) == string(inner) {
			return t, true
		}
	}
	return "", false
}

// parseInt64 accepts what encoding/json puts into an int64: null (as 0) or an integer
// without fraction or exponent that fits.
func parseInt64(value []byte) (int64, bool) {
	if string(value) == "null" {
		return 0, true
	}
	digits, negative := value, false
	if len(digits) > 0 && digits[0] == '-' {
		digits, negative = digits[1:], true
	}
	if len(digits) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<63)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case negative && n <= 1<<63:
		return int64(-n), true
	case !negative && n < 1<<63:
		return int64(n), true
	default:
		return 0, false
	}
}

// decodeString sets *dst from a JSON string value; null leaves "" as encoding/json does.
func decodeString(value []byte, dst *string, field string) error {
	switch {
	case string(value) == "null":
		*dst = ""
		return nil
	case len(value) < 2 || value[0] != '"':
		return fmt.Errorf("%q is %s, not a string", field, truncate(string(value), 24))
	}
	inner := value[1 : len(value)-1]
	for _, c := range inner {
		if c == '\\' || c >= 0x80 { // escapes, or UTF-8 to check: the slow, exact path
			return json.Unmarshal(value, dst)
		}
	}
	*dst = string(inner)
	return nil
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) end() error {
	s.skipSpace()
	if s.i != len(s.b) {
		return s.syntaxError("unexpected data after the top-level object")
	}
	return nil
}

func (s *scanner) syntaxError(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errSyntax, what, s.i)
}

func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) skipValue(depth int) error {
	if depth > maxJSONDepth {
		return s.syntaxError("nested too deeply")
	}
	switch c := s.peek(); {
	case c == '"':
		_, err := s.skipString()
		return err
	case c == '{':
		return s.skipComposite(depth, '}', true)
	case c == '[':
		return s.skipComposite(depth, ']', false)
	case c == 't':
		return s.skipLiteral("true")
	case c == 'f':
		return s.skipLiteral("false")
	case c == 'n':
		return s.skipLiteral("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.skipNumber()
	default:
		return s.syntaxError("expected a value")
	}
}

// skipComposite skips an object (keyed) or an array, s.i at its opening bracket.
func (s *scanner) skipComposite(depth int, closing byte, keyed bool) error {
	s.i++
	s.skipSpace()
	if s.peek() == closing {
		s.i++
		return nil
	}
	for {
		s.skipSpace()
		if keyed {
			if _, err := s.skipString(); err != nil {
				return err
			}
			s.skipSpace()
			if s.peek() != ':' {
				return s.syntaxError("expected ':' after an object key")
			}
			s.i++
			s.skipSpace()
		}
		if err := s.skipValue(depth + 1); err != nil {
			return err
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.i++
		case closing:
			s.i++
			return nil
		default:
			return s.syntaxError("expected ',' or a closing bracket")
		}
	}
}

// skipString skips a string, s.i at its opening quote, and reports whether it has
// escapes.
func (s *scanner) skipString() (escaped bool, err error) {
	if s.peek() != '"' {
		return false, s.syntaxError("expected a string")
	}
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return escaped, nil
		case c < 0x20:
			return false, s.syntaxError("control character in a string")
		case c == '\\':
			escaped = true
			s.i++
			switch s.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if s.i+5 > len(s.b) || !isHex4(s.b[s.i+1:s.i+5]) {
					return false, s.syntaxError("invalid \\u escape")
				}
				s.i += 5
			default:
				return false, s.syntaxError("invalid escape")
			}
		default:
			s.i++
		}
	}
	return false, s.syntaxError("unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (s *scanner) skipLiteral(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return s.syntaxError("invalid literal")
	}
	s.i += len(lit)
	return nil
}

// skipNumber skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) skipNumber() error {
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		s.skipDigits()
	default:
		return s.syntaxError("invalid number")
	}
	if s.peek() == '.' {
		s.i++
		if !s.skipDigits() {
			return s.syntaxError("invalid number")
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.skipDigits() {
			return s.syntaxError("invalid number")
		}
	}
	return nil
}

func (s *scanner) skipDigits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
