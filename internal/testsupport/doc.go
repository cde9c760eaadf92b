// Package testsupport is the root of this module's test support: the conformance suite
// every adapter runs, the servers and browsers tests start on loopback, child processes,
// and the tests that cross packages or run the docs. Nothing that ships imports it
// (internal/testsupport/layout checks).
package testsupport
