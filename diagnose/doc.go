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
// body, and Refused for servers that already hold the verifier's error. The adapters'
// WithDiagnosis option runs Refused on refused deliveries, after answering,
// rate-limited, and logs the Report's Kind and first Cause.
//
// A diagnosis of an OpenAI-sized event costs about a thousand HMACs of the body and a
// few dozen JSON re-serialisations: about 0.2 ms (BenchmarkVerifier). Larger deliveries
// cost more, so each diagnosis counts its work against a budget of about 3 ms of one
// core and stops there, saying so (Report.CutShort, KindSearchCutShort): at 64 KiB and
// 32 signature entries a diagnosis costs about 4 ms (BenchmarkDiagnoseWorstCase,
// docs/diagnosis.md). Run it on refusals, not on every delivery, and bound how often
// (WithDiagnosis does).
package diagnose
