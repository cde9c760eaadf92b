// Package diagnose explains why a webhook delivery fails verification.
//
// core.Verifier answers whether a delivery is genuine; when it is not, it says which
// check failed ("no matching webhook signature"), not why. The usual causes are
// mistakes between OpenAI and the verifier, and each leaves a recognisable trace: a
// framework parsed the JSON body and encoded it again before the verifier saw it, a
// newline was added, the secret was pasted with quotes or base64-encoded once too often,
// the clocks disagree. Given the delivery (body and headers) and the secret or the
// verifier, this package runs the same checks as core (headers, secret, timestamp,
// signature, event) and, for a signature that does not match, rebuilds what may have
// been signed until one alternative matches: the body re-serialised in common JSON
// styles, newlines and line endings changed, a byte order mark, the secret used as text
// or decoded with its prefix, the timestamp re-formatted, the signature in hex or
// URL-safe base64 or without its "v1," prefix.
//
// The rules are core's, not a copy: secrets are decoded by core.NewVerifier, the signed
// content is core.AppendSignedContent, timestamps are read by core.ParseTimestamp, and
// the verdict is core.Verifier.Unwrap's. Only the mistakes live here.
//
// Secret is for tools that hold the secret's text (the openai-webhooks verify command);
// Verifier is for servers, whose reports never quote the secret, a signature or the
// body. The adapters' WithDiagnosis option runs Verifier on refused deliveries,
// rate-limited, and logs the Report's Kind and first Cause.
//
// A diagnosis costs up to about a thousand HMACs of the body and a few dozen JSON
// re-serialisations: about 0.2 ms for an OpenAI-sized event (BenchmarkVerifier). Run it
// on refusals, not on every delivery, and bound how often (WithDiagnosis does).
package diagnose
