package sqlitejobs_test

func child() bool { return false }
