// Package demo bundles the demo tree that `unforbid demo` checks: a small
// shared host with typical causes of unintended 403s.
package demo

import _ "embed"

// Tree is the demo tree as a txtar archive (see internal/layout).
//
//go:embed demo.txtar
var Tree []byte
