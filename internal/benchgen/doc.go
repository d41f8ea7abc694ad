// Package benchgen writes the generated workloads of the benchmarks
// (docs/benchmarks.md): trees under a --root directory, each with an nginx
// configuration serving them, deterministic from a seed so that runs on
// different days and machines measure the same data.
package benchgen
