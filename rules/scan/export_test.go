package scan

import "github.com/unforbid/unforbid/parser/fsmeta"

// SetWorkers sets how many goroutines look up ahead of the judging, for
// tests; it returns a function that restores the old number.
func SetWorkers(n int) (restore func()) {
	old := workers
	workers = n
	return func() { workers = old }
}

// SmallListing is scanner.smallListing on fsys, for tests.
func SmallListing(fsys *fsmeta.FS, dir string) ([]string, bool) {
	return (&scanner{fsys: fsys}).smallListing(dir)
}

// SetAlike turns serving files alike on or off, for tests; it returns a
// function that restores the old setting.
func SetAlike(on bool) (restore func()) {
	old := noAlike
	noAlike = !on
	return func() { noAlike = old }
}

// ServedAlike returns how many files were judged by their group's answer
// so far.
func ServedAlike() int64 { return servedAlikeCount.Load() }
