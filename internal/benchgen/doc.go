// Package benchgen writes the generated workloads of the benchmarks
// (docs/benchmarks.md): large docroots, and configurations of many
// virtual hosts for nginx and Apache, as trees under a --root directory,
// deterministic (from a seed) so that runs on different days and
// machines measure the same data. The same trees feed the Go benchmarks
// and docs/bench-scale.sh, which runs unforbid and the real servers on
// them side by side.
package benchgen
