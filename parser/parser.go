// Package parser holds the source types shared by every config parser of
// unforbid: positions in config files and errors that point at them.
//
// The server-specific parsers live in sub-packages (parser/nginx, and later
// parser/apache); filesystem metadata lives in parser/fsmeta.
package parser

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a config file. Line is 1-based; Offset is the
// 0-based byte offset into the file, or -1 when it is not known.
type Pos struct {
	Line   int
	Offset int
}

// Range is a span of one config file: the file as the server sees it (not
// prefixed by --root) and the start and end positions of the span. End is
// exclusive; its Offset is -1 when unknown.
type Range struct {
	File  string
	Start Pos
	End   Pos
}

// String formats the range as file:line, the form used in every message.
func (r Range) String() string {
	if r.File == "" {
		return "-"
	}
	if r.Start.Line <= 0 {
		return r.File
	}
	return fmt.Sprintf("%s:%d", r.File, r.Start.Line)
}

// IsZero reports whether the range points nowhere.
func (r Range) IsZero() bool { return r.File == "" }

// Error is a problem in the input: a file (as the server sees it), an
// optional line and a lowercase message without a trailing period.
type Error struct {
	File string
	Line int
	Msg  string
}

// Error formats the problem as "file:line: message", dropping the line when
// it is unknown.
func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line <= 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Errorf returns an *Error for file and line with a formatted message.
func Errorf(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// ErrorList is a list of input problems. It is itself an error whose text
// is one problem per line, sorted by file and line.
type ErrorList []*Error

// Add appends a problem.
func (l *ErrorList) Add(e *Error) { *l = append(*l, e) }

// Sort orders the problems by file, then line, then message.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Msg < b.Msg
	})
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
