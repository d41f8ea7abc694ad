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
	if site == nil {
		return simulate.Request{}, false
	}
	return siteRequest(*site, u, "")
}

// siteRequest returns a request for the URL path u of site from client
// (a loopback address of the site's family when ""); ok is false when no
// request reaches the site.
func siteRequest(site simulate.Site, u, client string) (simulate.Request, bool) {
	if site.Host == "" {
		return simulate.Request{}, false
	}
	host := site.Host
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "[" + host + "]"
	}
	v6 := false
	if ip := net.ParseIP(site.ServerIP); ip != nil && ip.To4() == nil {
		v6 = true
	}
	switch {
	case client == "" && v6:
		client = "::1"
	case client == "":
		client = "127.0.0.1"
	case v6:
		client = "2001:db8::9" // no private network either
	}
	req, err := simulate.ParseRequest("GET", fmt.Sprintf("http://%s:%s%s", host, strconv.Itoa(site.Port), u), client)
	if err != nil {
		return simulate.Request{}, false
	}
	req.ServerIP = site.ServerIP
	return req, true
}
