package apache

import (
	"fmt"
	"reflect"
	"testing"
)

// TestPrefetchSameOutcome loads wildcard Includes of many files (among
// them a directory, a file with a syntax error, a file including another
// wildcard, and a file included twice) with and without reading ahead:
// the configuration and the errors must be the same.
func TestPrefetchSameOutcome(t *testing.T) {
	files := map[string]string{
		"/etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nInclude sites/*.conf\nIncludeOptional sites/*.conf\nInclude more/\n",
		"/etc/apache2/more/":        "",
	}
	for i := range 40 {
		files[fmt.Sprintf("/etc/apache2/sites/s%02d.conf", i)] = fmt.Sprintf("<VirtualHost *:80>\n  ServerName s%d.example\n  DocumentRoot /srv/s%d\n</VirtualHost>\n", i, i)
		files[fmt.Sprintf("/etc/apache2/more/m%02d", i)] = fmt.Sprintf("Define M%d\n", i)
	}
	files["/etc/apache2/sites/s07.conf"] = "<VirtualHost *:80>\n  ServerName broken\n" // no closing tag
	files["/etc/apache2/sites/s11.conf"] = "Include sub/*.conf\n"
	files["/etc/apache2/sites/sub/"] = ""
	files["/etc/apache2/sites/sub.conf/x"] = "ServerAdmin x@example\n"
	for i := range 20 {
		files[fmt.Sprintf("/etc/apache2/sub/t%02d.conf", i)] = fmt.Sprintf("Define T%d\n", i)
	}
	load := func(ahead int) (*Config, error) {
		was := minPrefetch
		minPrefetch = ahead
		defer func() { minPrefetch = was }()
		return Load("/etc/apache2/apache2.conf", Options{FS: memFS(t, files)})
	}
	want, werr := load(1 << 30)
	got, gerr := load(2)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Errorf("errors read ahead:\n%v\nwant\n%v", gerr, werr)
	}
	if werr == nil {
		t.Error("the broken file gave no error")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the configuration read ahead differs: %d files, want %d", len(got.Files), len(want.Files))
	}
	if len(want.Order) < 80 {
		t.Errorf("only %d files read", len(want.Order))
	}
}
