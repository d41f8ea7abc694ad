package nginx

import (
	"strings"

	"github.com/unforbid/unforbid/rules/simulate"
)

// FileGroup implements simulate.FileGrouper. The files of one directory
// that the same location takes are served alike when nothing on the way
// reads the file's name but to append it to the path: no rewrite module
// directive at the server or location level (rewrite, return, if, set),
// a root or alias, an auth_basic_user_file and a disable_symlinks from=
// without variables, no try_files or one whose first candidate is $uri
// itself (which a readable regular file satisfies), and no limit_except
// block that GET falls into. Then the request is the
// location's access checks (the client's address, auth_basic's user
// file: the same for every name), and the static module opening
// root + uri, which differs only in the file itself.
func (s *Simulator) FileGroup(req simulate.Request) (any, bool) {
	if req.Method != "" && req.Method != "GET" || req.RawPath != "" || req.RequestURI != "" || req.Query != "" ||
		req.AssumeAccess || strings.HasSuffix(req.Path, "/") {
		return nil, false
	}
	srv := s.selectFor(req)
	if srv == nil || len(srv.Rewrites) > 0 {
		return nil, false
	}
	loc, caps, rc, unsure := findLocation(srv.Prefix, srv.Regex, req.Path)
	if unsure != "" || rc == findRedirect {
		return nil, false
	}
	c := srv.Conf
	if loc != nil {
		if len(loc.Rewrites) > 0 || loc.Mod == "@" {
			return nil, false
		}
		c = loc.Conf
	}
	if le := c.LimitExcept; le != nil && !le.Methods["GET"] {
		return nil, false
	}
	if strings.Contains(c.Root, "$") || c.Alias && (c.AliasPrefix < 0 || caps != nil) {
		return nil, false
	}
	// the other paths expanded on the way to a served file: the user file
	// of auth_basic and disable_symlinks' from=
	if strings.Contains(c.AuthUserFile, "$") || strings.Contains(c.DisableFrom, "$") {
		return nil, false
	}
	if len(c.TryFiles) > 0 && c.TryFiles[0] != "$uri" {
		return nil, false
	}
	// the key: the location (it belongs to one server block), or the
	// server block when no location takes the request; a pointer, which
	// an interface holds without allocating
	if loc != nil {
		return loc, true
	}
	return srv, true
}

// selectedFor is a server selection and the request fields it depends on.
type selectedFor struct {
	host, clientIP, serverIP string
	port                     int
	srv                      *Server
}

// selectFor is selectServer's server for req, remembered from the last
// call: a scan asks for one directory's files, of one host, in a row.
func (s *Simulator) selectFor(req simulate.Request) *Server {
	if l := s.lastSel.Load(); l != nil && l.host == req.Host && l.port == req.Port && l.clientIP == req.ClientIP && l.serverIP == req.ServerIP {
		return l.srv
	}
	srv := s.Model.selectServer(req.Host, req.Port, req.ClientIP, req.ServerIP).s
	s.lastSel.Store(&selectedFor{req.Host, req.ClientIP, req.ServerIP, req.Port, srv})
	return srv
}
