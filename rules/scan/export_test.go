package scan

// SetWorkers sets how many goroutines look up ahead of the judging, for
// tests; it returns a function that restores the old number.
func SetWorkers(n int) (restore func()) {
	old := workers
	workers = n
	return func() { workers = old }
}
