package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// cmdUsage describes one subcommand for its -h text.
type cmdUsage struct {
	name     string
	synopsis string // the argument part of "Usage:"
	about    string // what it does, a paragraph or two
	examples string // a few command lines
}

// newFlagSet returns a flag set that reports nothing itself: parse does.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(progName+" "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args; -h prints the usage to stdout (errHelp), anything wrong is a usage
// error. Subcommands take flags only, no positional arguments.
func (c *cli) parse(fs *flag.FlagSet, u cmdUsage, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(c.stdout, fs, u)
			return errHelp
		}
		return &usageError{msg: flagError(err, args)}
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (this command takes flags only)", fs.Arg(0))
	}
	return nil
}

func printUsage(w io.Writer, fs *flag.FlagSet, u cmdUsage) {
	fmt.Fprintf(w, "Usage:\n  %s\n\n", strings.TrimSpace(progName+" "+u.name+" "+u.synopsis))
	fmt.Fprintf(w, "%s\n", strings.TrimSpace(u.about))
	var flags strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		head := "--" + f.Name
		if typ != "" {
			head += " " + typ
		}
		fmt.Fprintf(&flags, "  %s\n        %s", head, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(&flags, " (default %s)", f.DefValue)
		}
		flags.WriteString("\n")
	})
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", flags.String())
	}
	if u.examples != "" {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, line := range strings.Split(strings.TrimSpace(u.examples), "\n") {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(line))
		}
	}
}

// flagError rewrites an error of the flag package so that it names the flag as the user
// typed it: the package writes "-bogus" even for "--bogus".
func flagError(err error, args []string) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag " + typedFlag(rest, args)
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag " + typedFlag(rest, args) + " needs a value"
	}
	// "invalid value \"x\" for flag -name: …" and "invalid boolean value \"x\" for -name: …"
	for _, marker := range []string{" for flag -", " for -"} {
		if i := strings.Index(msg, marker); i >= 0 {
			after := msg[i+len(marker):]
			name, tail, _ := strings.Cut(after, ":")
			return msg[:i] + strings.TrimSuffix(marker, "-") + typedFlag(name, args) + ":" + tail
		}
	}
	return msg
}

// typedFlag returns the flag name as it appears in args ("--name" or "-name"), or
// "--name" when it is not found there.
func typedFlag(name string, args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		dashes := len(a) - len(strings.TrimLeft(a, "-"))
		if dashes == 0 || dashes > 2 {
			continue
		}
		n, _, _ := strings.Cut(a[dashes:], "=")
		if n == name {
			return a[:dashes] + name
		}
	}
	return "--" + name
}

// flagWasSet reports whether the flag name was given on the command line.
func flagWasSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
