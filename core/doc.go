// Package core verifies, parses and dispatches OpenAI webhook deliveries, with no
// dependency outside the standard library.
//
// OpenAI signs every delivery with the Standard Webhooks scheme: the headers webhook-id,
// webhook-timestamp and webhook-signature, and an HMAC-SHA256 over
// "<id>.<timestamp>.<raw body>" keyed with the endpoint's whsec_ secret. A Verifier checks
// the signature over the exact bytes received and rejects stale or forged deliveries;
// Unwrap then parses the verified body into an Event.
//
//	v, err := core.NewVerifier(os.Getenv("OPENAI_WEBHOOK_SECRET"))
//	...
//	event, err := v.Unwrap(body, core.HeadersFrom(r.Header))
//	if err != nil {
//		answer := core.Classify(err) // status, reason, outcome, public message
//		http.Error(w, answer.Message, answer.Status)
//		return
//	}
//
// DecodeData decodes an event's data into the type the handler wants: the data struct of
// its type (BatchData for batch.completed), a pointer to it, a struct of the
// application's own, a map or a json.RawMessage; only another family's data struct is a
// mistake (ErrDataTypeMismatch). A Mux dispatches events by type, with typed data (On).
//
// Classify is the one table that maps an error to the answer every adapter gives: HTTP
// status, Reason, Outcome (refused for the sender's problem, failed for the receiver's
// own) and the public message; StatusCode and ReasonOf read it. A handler tells the
// adapter how it took an event without an error with Event.MarkDuplicate and
// Event.MarkUnhandled (see docs/outcomes.md).
//
// Most applications do not call Verify themselves: the middleware in packages nethttp,
// ginadapter, echoadapter, echov5adapter, fiberadapter and fiberv3adapter does it, and
// hands the event on in the request context (FromContext).
package core
