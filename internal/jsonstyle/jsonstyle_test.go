package jsonstyle_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/webhookkit/openai-webhooks/internal/jsonstyle"
)

func TestFormat(t *testing.T) {
	body := []byte(`{"b": [1, 2.50, {"x": null}], "a": "é <&> \"q\" \u0001 😀", "c": {}, "d": []}`)
	cases := []struct {
		style jsonstyle.Style
		want  string
	}{
		{jsonstyle.Style{ItemSep: ",", KeySep: ":"}, `{"b":[1,2.50,{"x":null}],"a":"é <&> \"q\" \u0001 😀","c":{},"d":[]}`},
		{jsonstyle.OpenAI(), string(body)},
		{jsonstyle.Style{ItemSep: ",", KeySep: ":", SortKeys: true, EscapeHTML: true}, `{"a":"é \u003c\u0026\u003e \"q\" \u0001 😀","b":[1,2.50,{"x":null}],"c":{},"d":[]}`},
		{jsonstyle.Style{ItemSep: ", ", KeySep: ": ", ASCIIOnly: true}, `{"b": [1, 2.50, {"x": null}], "a": "\u00e9 <&> \"q\" \u0001 \ud83d\ude00", "c": {}, "d": []}`},
		{jsonstyle.Style{ItemSep: ",", KeySep: ": ", Indent: "  "}, "{\n  \"b\": [\n    1,\n    2.50,\n    {\n      \"x\": null\n    }\n  ],\n  \"a\": \"é <&> \\\"q\\\" \\u0001 😀\",\n  \"c\": {},\n  \"d\": []\n}"},
	}
	for _, tc := range cases {
		got, err := tc.style.Format(body)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.style, got, tc.want)
		}
	}
	// The indented style is what encoding/json's Indent makes.
	var indented bytes.Buffer
	_ = json.Indent(&indented, []byte(`{"a":[1,{"b":2}],"c":"d"}`), "", "\t")
	got, _ := jsonstyle.Style{ItemSep: ",", KeySep: ": ", Indent: "\t"}.Format([]byte(`{"a":[1,{"b":2}],"c":"d"}`))
	if string(got) != indented.String() {
		t.Errorf("tab Indent:\n got %s\nwant %s", got, indented.String())
	}
	for _, bad := range []string{"", "{", `{"a":1} {}`, "nope"} {
		if _, err := jsonstyle.OpenAI().Format([]byte(bad)); err == nil {
			t.Errorf("Format(%q) did not fail", bad)
		}
	}
}

// Parse reads strings, numbers and literals as encoding/json does: escapes decoded,
// invalid UTF-8 written back as \ufffd, number text kept; and refuses what json.Valid
// refuses.
func TestParse(t *testing.T) {
	compact := jsonstyle.Style{ItemSep: ",", KeySep: ":"}
	for in, want := range map[string]string{
		" {\"a\" : \"\\u00e9\\n\\\"x\\\\\\/\", \"b\": [1e5, -0.5E-3, true, false, null], \"c\": {}, \"d\": [ ]}\r\n": `{"a":"é\n\"x\\/","b":[1e5,-0.5E-3,true,false,null],"c":{},"d":[]}`,
		"\"\xff\xfeok\"":           `"\ufffd\ufffdok"`,
		"[[[\"\\ud83d\\ude00\"]]]": `[[["😀"]]]`,
		"0":                        "0",
	} {
		got, err := compact.Format([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("Format(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"[1,]", `{"a"}`, "01", "\"\x01\"", "[1] [2]", "tru"} {
		if _, err := jsonstyle.Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) did not fail", bad)
		}
	}
}
