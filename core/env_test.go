package core_test

import (
	"os"
	"testing"
)

// unsetenv removes key for the rest of the test; call t.Setenv(key, …) first so that
// the testing package restores it afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}
