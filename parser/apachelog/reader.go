package apachelog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
)

// MaxLine is the longest line Reader keeps: Apache cuts its own lines at
// 8192 bytes (MAX_STRING_LEN), but the raw standard error of CGI scripts
// goes to the log uncut. The rest of a longer line is skipped.
const MaxLine = 64 << 10

// Reader reads an error log line by line.
type Reader struct {
	name string // file name for errors, "" when unknown
	br   *bufio.Reader
	line int
}

// NewReader reads the log from r; name (may be "") is the file name its
// errors carry.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, br: bufio.NewReaderSize(r, 64<<10)}
}

// Open opens the log file name for reading, uncompressing it when it is
// gzipped (logrotate's error.log.2.gz), whatever its name. Close the
// returned closer when done.
func Open(name string) (*Reader, io.Closer, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 64<<10)
	magic, _ := br.Peek(2)
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return &Reader{name: name, br: br}, f, nil
	}
	z, err := gzip.NewReader(br)
	if err != nil {
		f.Close()
		return nil, nil, &Error{File: name, Msg: "gzip: " + err.Error()}
	}
	return NewReader(z, name), closers{z, f}, nil
}

type closers []io.Closer

func (c closers) Close() error {
	var errs []error
	for _, x := range c {
		errs = append(errs, x.Close())
	}
	return errors.Join(errs...)
}

// Next reads the next line and returns its 1-based number, the line as
// read (newline removed, cut at MaxLine) and its entry. A line that cannot
// be read gives a *Error carrying the file name and line number (NotEntry
// tells a line that is no log line at all); the reader goes on with the
// next line. At the end of the input Next returns io.EOF; other errors are
// the input's.
func (r *Reader) Next() (n int, line string, e Entry, err error) {
	text, err := r.readLine()
	if err != nil {
		return r.line, "", Entry{}, err
	}
	r.line++
	e, err = ParseLine(text)
	var pe *Error
	if errors.As(err, &pe) {
		pe.File, pe.Line = r.name, r.line
	}
	return r.line, text, e, err
}

// readLine returns the next line without its newline, cut at MaxLine.
func (r *Reader) readLine() (string, error) {
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(buf) < MaxLine {
			buf = append(buf, chunk[:min(len(chunk), MaxLine-len(buf))]...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(buf) > 0:
			return string(bytes.TrimRight(buf, "\r\n")), nil
		case err != nil:
			return "", err
		}
		return string(bytes.TrimRight(buf, "\r\n")), nil
	}
}
