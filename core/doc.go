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
//		http.Error(w, err.Error(), core.StatusCode(err))
//		return
//	}
//
// Most applications do not call Verify themselves: the middleware in packages nethttp,
// ginadapter, echoadapter, echov5adapter, fiberadapter and fiberv3adapter does it, and
// hands the event on in the request context (FromContext).
package core
