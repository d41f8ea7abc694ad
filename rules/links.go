package rules

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Bounds on reading a site's own pages for links: a page larger than
// MaxPageSize is not read, a site's pages beyond the first MaxPages are
// not read, and links beyond the first MaxLinks distinct URLs of a site
// are not checked. The scanner notes what it left out.
const (
	MaxPageSize = 1 << 20
	MaxPages    = 1000
	MaxLinks    = 10000
)

// Link is one link of a page: the attribute value as written and the
// line of the tag that holds it.
type Link struct {
	Ref  string
	Line int
}

// linkAttrs are the attributes whose values are URLs the browser fetches
// or navigates to.
var linkAttrs = map[string]bool{"href": true, "src": true, "srcset": true}

// Links returns the links of an HTML page: the values of its href, src
// and srcset attributes (each srcset candidate on its own), resolved
// against the page's <base href> when it has one, in document order.
// Text inside <script>, <style>, comments and the like is not markup and
// holds no links. Character references in values are decoded (a&amp;b).
func Links(page []byte) []Link {
	if bytes.IndexByte(page, '<') < 0 {
		return nil // no tag: spare the tokenizer's buffer
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	var out []Link
	line := 1
	var base *url.URL
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		raw := z.Raw()
		start := line
		line += bytes.Count(raw, []byte{'\n'})
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			key := string(k)
			if !linkAttrs[key] {
				continue
			}
			val := strings.TrimSpace(string(v))
			if string(name) == "base" {
				if key == "href" && base == nil {
					if u, err := url.Parse(val); err == nil {
						base = u
					}
				}
				continue
			}
			refs := []string{val}
			if key == "srcset" {
				refs = srcset(val)
			}
			for _, r := range refs {
				if r == "" {
					continue
				}
				if base != nil {
					if u, err := url.Parse(r); err == nil {
						r = base.ResolveReference(u).String()
					}
				}
				out = append(out, Link{Ref: r, Line: start})
			}
		}
	}
}

// srcset splits a srcset attribute into its URLs: candidates are
// separated by commas, each a URL (a run without blanks) followed by an
// optional width or density descriptor.
func srcset(v string) []string {
	var out []string
	for v != "" {
		v = strings.TrimLeft(v, " \t\n\r\f,")
		i := strings.IndexAny(v, " \t\n\r\f")
		if i < 0 {
			i = len(v)
		}
		u := v[:i]
		v = v[i:]
		if trimmed := strings.TrimRight(u, ","); trimmed != u {
			// "a.png,b.png": a URL that ends in a comma ends its candidate
			out = append(out, trimmed)
			continue
		}
		if u != "" {
			out = append(out, u)
		}
		// skip the descriptor, up to the comma that ends the candidate
		if j := strings.IndexByte(v, ','); j >= 0 {
			v = v[j+1:]
		} else {
			v = ""
		}
	}
	return out
}

// SameSite resolves the link ref of the page at pageURL (an absolute
// http or https URL) and returns the path and query of what it points to
// when it stays on the site: a relative or absolute-path link, or an
// absolute URL (or a scheme-relative //host/path) whose host sameHost
// accepts. The path is decoded, with "." and ".." resolved. Fragments are
// dropped; other schemes (mailto:, javascript:, data:) and malformed
// references are not links to the site.
func SameSite(pageURL *url.URL, ref string, sameHost func(host string) bool) (p, query string, ok bool) {
	if strings.HasPrefix(ref, "#") {
		return "", "", false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", "", false
	}
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return "", "", false
	}
	if u.Host != "" && !sameHost(strings.ToLower(u.Hostname())) {
		return "", "", false
	}
	if u.Opaque != "" {
		return "", "", false
	}
	abs := pageURL.ResolveReference(u)
	p = abs.Path
	if p == "" {
		p = "/"
	}
	return p, abs.RawQuery, true
}
