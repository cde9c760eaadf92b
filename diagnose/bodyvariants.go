package diagnose

import (
	"bytes"

	"github.com/webhookkit/openai-webhooks/internal/jsonstyle"
)

// bodyVariants: the body as given, and the bodies it may have been before something
// changed it: newline added or lost, line endings converted, a BOM, a re-serialisation.
// The re-serialisations are paid from b, up to jsonShare of it, in the order of
// jsonstyle.All (the common styles first).
func bodyVariants(body []byte, b *budget) []variant[[]byte] {
	out := []variant[[]byte]{{value: body}}
	add := func(v []byte, kind Kind, what, why string) {
		for _, o := range out {
			if bytes.Equal(o.value, v) {
				return
			}
		}
		out = append(out, variant[[]byte]{value: v, kind: kind, what: what, why: why})
	}
	const rawFix = " Verify the raw bytes exactly as received, and store or copy them unchanged."
	switch {
	case bytes.HasSuffix(body, []byte("\r\n")):
		add(body[:len(body)-2], KindBodyNewline, `the body is taken without its final CRLF ("\r\n")`,
			"A line break was added to the end of the body after it was signed (by an editor, echo, a capture tool or a proxy)."+rawFix)
	case bytes.HasSuffix(body, []byte("\n")):
		add(body[:len(body)-1], KindBodyNewline, `the body is taken without its final newline ("\n")`,
			"A newline was added to the end of the body after it was signed (by an editor, echo, a capture tool or a proxy)."+rawFix)
	}
	if t := bytes.TrimRight(body, " \t\r\n"); len(t) != len(body) {
		add(t, KindBodyNewline, "the body is taken without its trailing white space",
			"White space was added to the end of the body after it was signed."+rawFix)
	}
	// A variant that copies the body is paid for; one that is a slice of it is free.
	copied := func() bool { return b.spend(copyCost(len(body))) }
	if copied() {
		add(append(bytes.Clone(body), '\n'), KindBodyNewline, `the body gets back a final newline ("\n")`,
			"The body lost its final newline after it was signed (trimmed by a framework, strip()/trim(), or copied by hand)."+rawFix)
	}
	if copied() {
		add(append(bytes.Clone(body), '\r', '\n'), KindBodyNewline, `the body gets back a final CRLF ("\r\n")`,
			"The body lost its final line break after it was signed (trimmed by a framework, strip()/trim(), or copied by hand)."+rawFix)
	}
	if bytes.Contains(body, []byte("\r\n")) && copied() {
		add(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), KindLineEndings, "the body's CRLF line endings are turned back into LF",
			"The line endings were converted from LF to CRLF after signing (a Windows editor, git's autocrlf, a text-mode write, a capture tool)."+rawFix)
	}
	if lf := bytes.Count(body, []byte("\n")); lf > bytes.Count(body, []byte("\r\n")) && copied() && copied() {
		crlf := bytes.ReplaceAll(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		add(crlf, KindLineEndings, "the body's LF line endings are turned back into CRLF",
			"The line endings were converted from CRLF to LF after signing (an editor, git, a text-mode read, a capture tool)."+rawFix)
	}
	if rest, ok := bytes.CutPrefix(body, []byte("\xef\xbb\xbf")); ok {
		add(rest, KindBOM, "the body is taken without its UTF-8 byte order mark",
			"A byte order mark was added to the body after signing (an editor saving as \"UTF-8 with BOM\")."+rawFix)
	}
	const jsonWhy = "The bytes you have are a re-serialisation of the JSON that was signed: either the receiver parsed the body and encoded it again before verifying (a body-parser and JSON.stringify(req.body), json.Marshal of a decoded value, request.get_json(), a logging or capture tool), or the sender signed one serialisation and sent another (signing json.dumps(payload) but posting json=payload). The signature covers the raw bytes: verify them before anything parses them (express.raw, io.ReadAll(r.Body), request.get_data())."
	spent := parseCost(len(body))
	if spent > jsonShare || !b.spend(spent) {
		b.cut = true
		return out
	}
	node, err := jsonstyle.Parse(body)
	if err != nil {
		return out
	}
	for _, st := range jsonstyle.All() {
		cost := writeCost(len(body))
		if spent+cost > jsonShare || !b.spend(cost) {
			b.cut = true
			break
		}
		spent += cost
		v := st.Write(node)
		what := "the body is the same JSON serialised " + st.String()
		add(v, KindBodyReserialized, what, jsonWhy)
		add(append(v, '\n'), KindBodyReserialized, what+", with a final newline", jsonWhy)
	}
	return out
}
