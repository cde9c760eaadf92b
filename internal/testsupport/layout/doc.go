// Package layout checks the import rules of ARCHITECTURE.md that core/deps_test.go does
// not: nothing that ships imports the test support, adapters do not import each other,
// and riverjobs carries neither of River's drivers nor pgx.
package layout
