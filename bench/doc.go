// Package bench compares this project's webhook verifier with other Go implementations
// of the Standard Webhooks scheme, and measures the adapters' middleware. It holds tests
// and benchmarks only; see README.md.
package bench
