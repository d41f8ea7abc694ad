package apache

import (
	"fmt"
	"net"
	"strconv"

	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/rules/simulate"
)

// requestAt returns a request for the URL path u of the site whose
// configuration holds d: the virtual host around it, else the main
// server. A finding of the configuration alone (Lint) comes without a
// request, and its repair is checked with this one. ok is false when no
// request reaches that site.
func (s *Simulator) requestAt(d *conf.Directive, u string) (simulate.Request, bool) {
	var site *simulate.Site
	sites := s.Sites()
	for i := range sites {
		r := sites[i].Range
		if r.File == d.Range.File && r.Start.Offset <= d.Range.Start.Offset && d.Range.End.Offset <= r.End.Offset {
			site = &sites[i]
			break
		}
		if site == nil && sites[i].Range.IsZero() {
			site = &sites[i] // the main server, unless a virtual host holds d
		}
	}
	if site == nil || site.Host == "" {
		return simulate.Request{}, false
	}
	host := site.Host
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "[" + host + "]"
	}
	client := "127.0.0.1"
	if ip := net.ParseIP(site.ServerIP); ip != nil && ip.To4() == nil {
		client = "::1"
	}
	req, err := simulate.ParseRequest("GET", fmt.Sprintf("http://%s:%s%s", host, strconv.Itoa(site.Port), u), client)
	if err != nil {
		return simulate.Request{}, false
	}
	req.ServerIP = site.ServerIP
	return req, true
}
