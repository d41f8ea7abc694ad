package apache

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// TestParseKeepsNoLines checks that nothing Parse returns refers to the
// lines it read (their slices go back to linesPool): trees parsed
// before others, on several goroutines, are what a parse of their file
// alone gives, continued lines, comments, sections and quoted arguments
// included.
func TestParseKeepsNoLines(t *testing.T) {
	src := func(i int) []byte {
		return []byte(fmt.Sprintf("# file %d\n<VirtualHost *:%d>\n  ServerName s%d.example \\\n    www.s%d.example\n"+
			"  DocumentRoot \"/srv/s%d/public\"\r\n  <Directory /srv/s%d>\n    Require ip 10.%d.0.0/16 \\\n 192.0.2.%d\n  </Directory>\n"+
			"  #%s\n</VirtualHost>\n", i, 8000+i, i, i, i, i, i%256, i%256, strings.Repeat("x", i%50)))
	}
	const n = 200
	want := make([]*File, n)
	for i := range n {
		f, err := Parse(fmt.Sprintf("/etc/s%d.conf", i), src(i))
		if err != nil {
			t.Fatal(err)
		}
		want[i] = f
	}
	got := make([]*File, n)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				f, err := Parse(fmt.Sprintf("/etc/s%d.conf", i), src(i))
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = f
			}
		}()
	}
	wg.Wait()
	// and more parses after, each into a slice given back
	for i := range n {
		if _, err := Parse("/etc/other.conf", src(n+i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("file %d: parsed among others, it differs from its parse alone", i)
		}
		if len(got[i].Directives) != 2 || got[i].Directives[1].Block[0].Args[1] != fmt.Sprintf("www.s%d.example", i) {
			t.Errorf("file %d: %+v", i, got[i].Directives)
		}
	}
}
