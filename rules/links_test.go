package rules

import (
	"net/url"
	"reflect"
	"testing"
)

func TestLinks(t *testing.T) {
	for _, tc := range []struct {
		name, page string
		want       []Link
	}{
		{"a href", `<a href="/docs/">docs</a>`, []Link{{"/docs/", 1}}},
		{"lines", "<p>\n<img src='a.png'>\n\n<script src=app.js></script>", []Link{{"a.png", 2}, {"app.js", 4}}},
		{"multi-line tag keeps its first line", "<a\nhref=\"x.html\">", []Link{{"x.html", 1}}},
		{"entities", `<a href="/s?a=1&amp;b=2">`, []Link{{"/s?a=1&b=2", 1}}},
		{"srcset", `<img srcset="a.png 1x, b.png 2x,c.png">`, []Link{{"a.png", 1}, {"b.png", 1}, {"c.png", 1}}},
		{"srcset: a comma ends a URL only before a blank", `<source srcset="a.png, b,c.png 2x">`, []Link{{"a.png", 1}, {"b,c.png", 1}}},
		{"script text is no markup", `<script>var s = '<a href="/no">';</script><a href=/yes>`, []Link{{"/yes", 1}}},
		{"comments", `<!-- <a href="/no"> --><link href="/style.css" rel=stylesheet>`, []Link{{"/style.css", 1}}},
		{"base", `<base href="/sub/"><a href="x.html">`, []Link{{"/sub/x.html", 1}}},
		{"empty and other attributes", `<a href="" title="/no" data-src="/no">`, nil},
		{"upper case", `<A HREF="/X.HTML">`, []Link{{"/X.HTML", 1}}},
	} {
		if got := Links([]byte(tc.page)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Links = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSameSite(t *testing.T) {
	page, _ := url.Parse("http://example.com:8080/docs/guide.html")
	same := func(h string) bool { return h == "example.com" || h == "www.example.com" }
	for _, tc := range []struct {
		ref, path, query string
		ok               bool
	}{
		{"intro.html", "/docs/intro.html", "", true},
		{"../install.sh", "/install.sh", "", true},
		{"/files/", "/files/", "", true},
		{"?page=2", "/docs/guide.html", "page=2", true},
		{"http://www.example.com/a", "/a", "", true},
		{"https://EXAMPLE.com/b%20c", "/b c", "", true},
		{"//example.com/c", "/c", "", true},
		{"https://other.org/a", "", "", false},
		{"//cdn.example.net/x.js", "", "", false},
		{"mailto:me@example.com", "", "", false},
		{"javascript:void(0)", "", "", false},
		{"data:image/png;base64,xx", "", "", false},
		{"#top", "", "", false},
		{"http://[::1", "", "", false},
		{"a/../../../../x", "/x", "", true},
	} {
		p, q, ok := SameSite(page, tc.ref, same)
		if p != tc.path || q != tc.query || ok != tc.ok {
			t.Errorf("SameSite(%q) = %q %q %v, want %q %q %v", tc.ref, p, q, ok, tc.path, tc.query, tc.ok)
		}
	}
}
