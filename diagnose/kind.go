package diagnose

// Kind names a cause in a few words of snake_case, stable across releases: for a log
// field, a metric label or a program's switch. Report.Kind is the first cause's.
type Kind string

// The causes the diagnosis tells apart.
const (
	KindNone Kind = "" // a genuine delivery

	// The delivery as sent.
	KindMissingHeader       Kind = "missing_header"       // webhook-id, -timestamp or -signature absent
	KindSimilarHeaders      Kind = "similar_headers"      // … and the request has look-alikes (svix-…)
	KindInvalidSecret       Kind = "invalid_secret"       // core.NewVerifier refuses the secret
	KindInvalidTimestamp    Kind = "invalid_timestamp"    // not decimal Unix seconds
	KindTimestampUnit       Kind = "timestamp_unit"       // milliseconds (or finer) sent as seconds
	KindClockSkew           Kind = "clock_skew"           // minutes off: one of the clocks is wrong
	KindReplayed            Kind = "replayed"             // hours or days old: a recording
	KindTimestampWrong      Kind = "timestamp_wrong"      // hours or more in the future
	KindWrongKeyType        Kind = "wrong_key_type"       // v1a signatures, whsec_ secret (or the reverse)
	KindUnreadableSignature Kind = "unreadable_signature" // no entry decodes
	KindEmptyBody           Kind = "empty_body"           // something read the body first
	KindNoMatch             Kind = "no_match"             // another secret, or other content
	KindSearchCutShort      Kind = "search_cut_short"     // nothing matched before the search's budget ran out
	KindMalformedEvent      Kind = "malformed_event"      // signed, but not an event object

	// The alternative that makes the signature match.
	KindBodyReserialized        Kind = "body_reserialized"          // parsed and encoded again as JSON
	KindBodyNewline             Kind = "body_newline"               // a final newline or white space added or lost
	KindLineEndings             Kind = "line_endings"               // LF and CRLF converted
	KindBOM                     Kind = "bom"                        // a UTF-8 byte order mark added
	KindSecretAsText            Kind = "secret_as_text"             // HMAC keyed with the secret's characters
	KindSecretDecodedWithPrefix Kind = "secret_decoded_with_prefix" // base64-decoded with "whsec_"
	KindSecretQuoted            Kind = "secret_quoted"              // quotes kept around the secret
	KindSecretEncodedTwice      Kind = "secret_encoded_twice"       // the configured value is base64 of the secret's text
	KindTimestampReformatted    Kind = "timestamp_reformatted"      // signed as other text than sent
	KindIDWhitespace            Kind = "id_whitespace"              // white space around webhook-id
	KindSignatureEncoding       Kind = "signature_encoding"         // hex, URL-safe or unpadded base64
	KindSignatureFormat         Kind = "signature_format"           // no "v1,", v1=…, Stripe's t=…,v1=…
)
