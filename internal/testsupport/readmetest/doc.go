// Package readmetest compiles every Go snippet of README.md and of the pages under docs/,
// so that a snippet cannot drift from the API it shows.
package readmetest
