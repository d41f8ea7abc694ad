package nginx

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
)

// precontent runs try_files. It returns a status when the request ends
// there (=code), again=true after an internal redirect, or (0, false) to go
// on to the content phase with r.uri possibly changed.
func (r *run) precontent() (st int, again bool) {
	c := r.conf
	if len(c.TryFiles) == 0 {
		return 0, false
	}
	if st := r.aliasRewritten(); st != 0 {
		return st, false
	}
	d := c.TryFilesDir
	// In a regex location alias is a whole path: try_files appends each
	// candidate to it as it is, and a file found becomes the uri that
	// the static module appends to the alias again (add_uri_to_alias).
	regexAlias := c.Alias && c.AliasPrefix < 0
	for i, cand := range c.TryFiles {
		last := i == len(c.TryFiles)-1
		if last {
			switch {
			case strings.HasPrefix(cand, "="):
				code, err := strconv.Atoi(cand[1:])
				if err != nil {
					r.unsure("try_files %s", cand)
					return 500, false
				}
				if r.tracing() {
					r.step("try_files", d, "no candidate exists: answer %d", code)
				}
				if code >= 400 && r.d.Cause == nil {
					r.d.Cause = &simulate.Cause{Rule: "", Range: Pos(d), Reason: "try_files " + cand}
				}
				return code, false
			case strings.HasPrefix(cand, "@"):
				named := r.srv.Named[cand]
				if named == nil {
					if r.tracing() {
						r.step("try_files", d, "named location %s does not exist", cand)
					}
					return 500, false
				}
				if r.tracing() {
					r.step("try_files", d, "no candidate exists: internal redirect to %s", cand)
				}
				return r.named(named)
			default:
				uri, err := r.expand(cand)
				if err != nil {
					r.unsure("%v", err)
					return 500, false
				}
				if pre, ok := r.aliasStrip(cand, uri); ok {
					// the prefix is cut from the fallback as from any
					// candidate built from variables
					uri = uri[len(pre):]
				}
				if r.tracing() {
					r.step("try_files", d, "no candidate exists: internal redirect to %q", uri)
				}
				r.splitRedirect(uri)
				return 0, true
			}
		}
		// A candidate written with a trailing slash tests for a
		// directory; the slash is dropped before expansion (nginx does
		// this when it reads the configuration).
		testDir := strings.HasSuffix(cand, "/")
		name, err := r.expand(strings.TrimSuffix(cand, "/"))
		if err != nil {
			r.unsure("%v", err)
			continue
		}
		// only the fallback is split at "?" (ngx_http_split_args); a
		// candidate is a file name, "?" and all
		uri := name
		if c.Alias && c.AliasPrefix >= 0 && len(r.uri) >= c.AliasPrefix {
			// ngx_http_try_files_handler writes the candidate after the
			// alias: cut from it the location's prefix when it was built
			// from variables and starts with it, else as it is written
			pre := r.uri[:c.AliasPrefix]
			if _, ok := r.aliasStrip(cand, name); ok {
				uri = name
			} else {
				uri = pre + name
			}
		}
		if regexAlias {
			uri = ""
		}
		p, _, err := r.mapURI(uri)
		if err != nil {
			r.unsure("%v", err)
			continue
		}
		if regexAlias {
			p += name
			uri = name
		}
		res := r.openFile(p, r.probeWant(), true)
		switch res.Err {
		case 0:
		case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
			if r.tracing() {
				r.step("try_files", d, "%s: %s does not exist", cand, p)
			}
			continue
		default:
			reason := fmt.Sprintf("%s %q failed (%s)", r.probeOp(), p, errnoText(res.Err))
			if r.tracing() {
				r.step("try_files", d, "%s: %s (skipped, logged at crit)", cand, reason)
			}
			if r.d.Masked == nil {
				r.d.Masked = r.causeOf(res, p, reason)
			}
			continue
		}
		isDir := res.Info.Type == fsmeta.TypeDir
		if isDir != testDir {
			if r.tracing() {
				r.step("try_files", d, "%s: %s is not a %s", cand, p, map[bool]string{true: "directory", false: "file"}[testDir])
			}
			continue
		}
		if regexAlias {
			if !testDir {
				if r.tracing() {
					r.step("try_files", d, "%s: %s exists: uri becomes %q, appended to the alias", cand, p, uri)
				}
				r.uri, r.addURIToAlias = uri, true
			} else {
				if r.tracing() {
					r.step("try_files", d, "%s: %s exists: the uri stays %q", cand, p, r.uri)
				}
			}
			return 0, false
		}
		if r.tracing() {
			r.step("try_files", d, "%s: %s exists: uri becomes %q", cand, p, uri)
		}
		r.uri = uri
		return 0, false
	}
	return 0, false
}

// aliasStrip reports whether try_files cuts the location's prefix from a
// candidate under alias: only from one built from variables (static names
// are copied as written) whose value starts with the uri's first
// AliasPrefix bytes. It returns that prefix.
func (r *run) aliasStrip(cand, value string) (string, bool) {
	c := r.conf
	if !c.Alias || c.AliasPrefix <= 0 || len(r.uri) < c.AliasPrefix || !strings.Contains(cand, "$") {
		return "", false
	}
	pre := r.uri[:c.AliasPrefix]
	return pre, strings.HasPrefix(value, pre)
}

// probeWant is what nginx's existence tests (try_files, index, if -f)
// need on the file: a stat() needs nothing, but with disable_symlinks or
// open_file_cache the file is really opened, which needs read permission
// (ngx_file_info_wrapper, ngx_open_and_stat_file).
func (r *run) probeWant() fsmeta.Perm {
	c := r.conf
	if c.DisableSymlinks != "off" && c.DisableSymlinks != "" || c.OpenFileCache {
		return fsmeta.Read
	}
	return 0
}

// probeOp names the system call of nginx's existence tests in its logs.
func (r *run) probeOp() string {
	if r.conf.DisableSymlinks != "off" && r.conf.DisableSymlinks != "" {
		return "openat()"
	}
	if r.conf.OpenFileCache {
		return "open()"
	}
	return "stat()"
}

// aliasRewritten answers 500 when "rewrite ... break" changed the uri of
// a location that maps it with alias (ngx_http_map_uri_to_path).
func (r *run) aliasRewritten() int {
	if !r.conf.Alias || !r.uriRewritten {
		return 0
	}
	name := ""
	if r.loc != nil {
		name = r.loc.Name
	}
	reason := fmt.Sprintf("\"alias\" cannot be used in location %q where URI was rewritten", name)
	if r.tracing() {
		r.step("content", r.conf.RootDir, "%s", reason)
	}
	return r.fail(500, "", "", r.conf.RootDir, reason)
}

// named runs the content of a named location (no new location search).
func (r *run) named(l *Location) (int, bool) {
	r.loc, r.conf, r.internal = l, l.Conf, true
	if r.tracing() {
		r.step("location", l.Dir, "named location %s", l.Name)
	}
	if !r.limitExcept() {
		if st, done := r.rewrites(l.Rewrites, false); done {
			return st, false
		} else if st == -1 {
			return 0, true
		}
	}
	if st, ok := r.access(); !ok {
		return st, false
	}
	if st, again := r.precontent(); again || st != 0 {
		return st, again
	}
	return r.content()
}

// content runs the content phase: a location handler alone, else index,
// autoindex and static in nginx's order.
func (r *run) content() (int, bool) {
	c := r.conf
	if c.Handler != "" {
		arg := ""
		if len(c.HandlerDir.Args) > 0 {
			arg = " " + c.HandlerDir.Args[0]
		}
		r.d.Backend = c.Handler + arg
		if r.tracing() {
			r.step("content", c.HandlerDir, "%s%s: the request leaves for the backend (502 when it cannot be reached); nginx reads no file", c.Handler, arg)
		}
		return 502, false
	}
	// Each module maps the uri to a path (ngx_http_map_uri_to_path, 500
	// under an alias whose uri was rewritten) only once it took the
	// request: index for GET, HEAD and POST on a directory unless its
	// first name is a uri, autoindex for GET and HEAD, static after its
	// method check.
	m := r.req.Method
	getHeadPost := m == "GET" || m == "HEAD" || m == "POST"
	if strings.HasSuffix(r.uri, "/") {
		if getHeadPost {
			if len(c.Index) == 0 || !strings.HasPrefix(c.Index[0], "/") || strings.Contains(c.Index[0], "$") {
				if st := r.aliasRewritten(); st != 0 {
					return st, false
				}
			}
			if st, again, done := r.index(); done {
				return st, again
			}
		}
		dir, _, err := r.mapURI(r.uri)
		if err != nil {
			r.unsure("%v", err)
			return 500, false
		}
		r.d.Path = dir
		if c.Autoindex && (m == "GET" || m == "HEAD") {
			if st := r.aliasRewritten(); st != 0 {
				return st, false
			}
			// ngx_http_autoindex_handler drops the last byte of the
			// mapped path, taking it for the slash: under an alias
			// without its slash, that is the name's last letter
			open := dir
			if len(open) > 1 {
				open = open[:len(open)-1]
			}
			res := r.seen(r.s.FS.Access(r.s.Cred, open, fsmeta.Read, true))
			switch {
			case res.Err == 0 && res.Info.Type != fsmeta.TypeDir:
				reason := fmt.Sprintf("opendir() %q failed (20: Not a directory)", open)
				if r.tracing() {
					r.step("content", c.AutoindexDir, "%s", reason)
				}
				return r.fail(404, "", "", c.AutoindexDir, reason), false
			case res.Err == 0:
				if r.tracing() {
					r.step("content", c.AutoindexDir, "autoindex lists %s", open)
				}
				return 200, false
			case res.Err == syscall.ENOENT || res.Err == syscall.ENOTDIR || res.Err == syscall.ENAMETOOLONG:
				reason := fmt.Sprintf("opendir() %q failed (%s)", open, errnoText(res.Err))
				if r.tracing() {
					r.step("content", c.AutoindexDir, "%s", reason)
				}
				return r.fail(404, "", "", c.AutoindexDir, reason), false
			case res.Err == syscall.EACCES:
				reason := fmt.Sprintf("opendir() %q failed (13: Permission denied)", open)
				if r.tracing() {
					r.step("content", c.AutoindexDir, "%s", reason)
				}
				cause := r.causeOf(res, open, reason)
				r.d.Cause = cause
				return 403, false
			default:
				if r.tracing() {
					r.step("content", c.AutoindexDir, "opendir() %q failed (%s)", open, errnoText(res.Err))
				}
				return 500, false
			}
		}
		if !getHeadPost {
			if r.tracing() {
				r.step("content", nil, "static: method %s is not allowed", m)
			}
			return 405, false
		}
		reason := fmt.Sprintf("directory index of %q is forbidden", dir)
		d := c.IndexDir
		if d == nil {
			d = r.levelDir()
		}
		if r.tracing() {
			r.step("content", d, "%s: no index file (%s) and autoindex is off", reason, strings.Join(c.Index, " "))
		}
		return r.fail(403, RuleIndexMissing, dir, d, reason), false
	}
	if !getHeadPost {
		if r.tracing() {
			r.step("content", nil, "static: method %s is not allowed", m)
		}
		return 405, false
	}
	if st := r.aliasRewritten(); st != 0 {
		return st, false
	}
	p, _, err := r.mapURI(r.uri)
	if err != nil {
		r.unsure("%v", err)
		return 500, false
	}
	r.d.Path = p
	res := r.openFile(p, fsmeta.Read, false)
	op := "open()"
	if c.DisableSymlinks != "off" && c.DisableSymlinks != "" {
		op = "openat()"
	}
	switch res.Err {
	case 0:
	case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
		reason := fmt.Sprintf("%s %q failed (%s)", op, p, errnoText(res.Err))
		if r.tracing() {
			r.step("static", c.RootDir, "%s", reason)
		}
		if cause := r.symlinkCause(res, reason); cause != nil {
			r.d.Cause = cause
			return 404, false
		}
		return r.fail(404, "", "", c.RootDir, reason), false
	default:
		reason := fmt.Sprintf("%s %q failed (%s)", op, p, errnoText(res.Err))
		if r.tracing() {
			r.step("static", c.RootDir, "%s", reason)
		}
		if res.Err == syscall.EACCES || res.Err == syscall.ELOOP || res.Err == syscall.EMLINK {
			r.d.Cause = r.causeOf(res, p, reason)
			if res.Err == syscall.EACCES && c.OpenFileCache && r.d.Cause.Kind == simulate.KindUnreadableDir {
				// a directory an earlier request stat()ed (the index
				// module's test, try_files' $uri/) sits in the cache as
				// a directory: then nginx answers the 301 without
				// opening it; 403 holds for a cold cache only
				r.d.Varies = fmt.Sprintf("open_file_cache: %s answers 403 on a cold cache, 301 while an earlier request's test of the directory is cached", p)
			}
			return 403, false
		}
		return r.fail(500, "", "", c.RootDir, reason), false
	}
	switch res.Info.Type {
	case fsmeta.TypeDir:
		if r.tracing() {
			r.step("static", c.RootDir, "%s is a directory: redirect to %q", p, r.uri+"/")
		}
		return 301, false
	case fsmeta.TypeRegular:
	default:
		if r.tracing() {
			r.step("static", c.RootDir, "%q is not a regular file", p)
		}
		return r.fail(404, "", "", c.RootDir, "not a regular file"), false
	}
	if m == "POST" {
		if r.tracing() {
			r.step("static", nil, "static: POST to a file is not allowed")
		}
		return 405, false
	}
	if r.tracing() {
		r.step("static", c.RootDir, "serves %s", p)
	}
	return 200, false
}

// index runs the index module for a uri ending in "/". done is false when
// it declines (no index name exists).
func (r *run) index() (st int, again, done bool) {
	c := r.conf
	dirTested := false
	for _, name := range c.Index {
		name, err := r.expand(name)
		if err != nil {
			r.unsure("%v", err)
			return 500, false, true
		}
		if strings.HasPrefix(name, "/") {
			if r.tracing() {
				r.step("index", c.IndexDir, "index %s: internal redirect", name)
			}
			r.internalRedirect(name)
			return 0, true, true
		}
		dir, _, err := r.mapURI(r.uri)
		if err != nil {
			r.unsure("%v", err)
			return 500, false, true
		}
		p := dir + name
		res := r.openFile(p, r.probeWant(), true)
		switch res.Err {
		case 0:
			if res.Info.Type == fsmeta.TypeDir {
				// nginx treats a directory named like the index as an
				// index (it redirects and static answers 301)
			}
			if r.tracing() {
				r.step("index", c.IndexDir, "%s exists: internal redirect to %q", p, r.uri+name)
			}
			if r.loc != nil && c.IndexDir != nil && inBlock(c.IndexDir, r.loc.Dir) {
				r.viaIndex = c.IndexDir
			}
			r.internalRedirect(r.uri + name)
			return 0, true, true
		case syscall.ENOTDIR, syscall.ENAMETOOLONG:
			reason := fmt.Sprintf("%q is not found (%s)", p, errnoText(res.Err))
			if r.tracing() {
				r.step("index", c.IndexDir, "%s", reason)
			}
			if cause := r.symlinkCause(res, reason); cause != nil {
				r.d.Cause = cause
				return 404, false, true
			}
			return r.fail(404, "", "", c.IndexDir, reason), false, true
		case syscall.ENOENT:
			if !dirTested {
				// ngx_http_index_test_dir: the directory itself, once
				dirTested = true
				dr := r.openFile(strings.TrimSuffix(dir, "/"), 0, true)
				switch {
				case dr.Err == syscall.ENOENT:
					reason := fmt.Sprintf("%q is not found (%s)", dir, errnoText(dr.Err))
					if r.tracing() {
						r.step("index", c.IndexDir, "%s", reason)
					}
					return r.fail(404, "", "", c.IndexDir, reason), false, true
				case dr.Err == syscall.ELOOP || dr.Err == syscall.EMLINK:
					if r.tracing() {
						r.step("index", c.IndexDir, "%s: symbolic link refused (logged at debug level only)", dir)
					}
					r.d.Cause = r.causeOf(dr, dir, "symbolic link refused by disable_symlinks")
					return 403, false, true
				case dr.Err == syscall.EACCES:
					// ignored: the first test already showed the
					// directory can be searched
				case dr.Err != 0:
					reason := fmt.Sprintf("%q failed (%s)", dir, errnoText(dr.Err))
					if r.tracing() {
						r.step("index", c.IndexDir, "%s", reason)
					}
					return r.fail(500, "", "", c.IndexDir, reason), false, true
				case dr.Info.Type != fsmeta.TypeDir:
					reason := fmt.Sprintf("%q is not a directory", dir)
					if r.tracing() {
						r.step("index", c.IndexDir, "%s", reason)
					}
					return r.fail(500, "", "", c.IndexDir, reason), false, true
				}
			}
			if r.tracing() {
				r.step("index", c.IndexDir, "%s does not exist", p)
			}
			continue
		case syscall.EACCES:
			reason := fmt.Sprintf("%q is forbidden (13: Permission denied)", p)
			if r.tracing() {
				r.step("index", c.IndexDir, "%s", reason)
			}
			r.d.Path = p
			r.d.Cause = r.causeOf(res, p, reason)
			return 403, false, true
		case syscall.ELOOP, syscall.EMLINK:
			reason := fmt.Sprintf("%q: symbolic link refused by disable_symlinks (logged at debug level only)", p)
			if r.tracing() {
				r.step("index", c.IndexDir, "%s", reason)
			}
			r.d.Path = p
			r.d.Cause = r.causeOf(res, p, reason)
			return 403, false, true
		default:
			if r.tracing() {
				r.step("index", c.IndexDir, "%q failed (%s)", p, errnoText(res.Err))
			}
			return 500, false, true
		}
	}
	return 0, false, false
}

// symlinkCause names disable_symlinks as the cause of an ENOTDIR: a
// symlinked directory in the middle of the path, which nginx answers 404.
func (r *run) symlinkCause(res fsmeta.Result, reason string) *simulate.Cause {
	if res.Err != syscall.ENOTDIR || res.Info == nil || res.Info.Type != fsmeta.TypeSymlink {
		return nil
	}
	if r.conf.DisableSymlinks == "" || r.conf.DisableSymlinks == "off" {
		return nil
	}
	if r.tracing() {
		r.step("symlink", r.conf.DisableDir, "%s is a symbolic link to a directory: disable_symlinks %s refuses it", res.At, r.conf.DisableSymlinks)
	}
	return &simulate.Cause{Rule: RuleSymlinkDenied, Path: res.At, Range: Pos(r.conf.DisableDir), Reason: reason}
}

// inBlock reports whether d stands directly in block's body.
func inBlock(d, block *conf.Directive) bool {
	for _, c := range block.Block {
		if c == d {
			return true
		}
	}
	return false
}

// levelDir is the location (or server) block that decided the request.
func (r *run) levelDir() *conf.Directive {
	if r.loc != nil {
		return r.loc.Dir
	}
	return r.srv.Dir
}

// causeOf names the cause of a failed file access at p.
func (r *run) causeOf(res fsmeta.Result, p, reason string) *simulate.Cause {
	c := &simulate.Cause{Path: res.At, Range: Pos(r.conf.RootDir), Reason: reason}
	if c.Range.IsZero() {
		c.Range = Pos(r.levelDir())
	}
	if res.Err == syscall.ELOOP || res.Err == syscall.EMLINK {
		if r.conf.DisableSymlinks != "off" && r.conf.DisableSymlinks != "" {
			c.Rule, c.Kind = RuleSymlinkDenied, simulate.KindSymlinkDenied
			c.Range = Pos(r.conf.DisableDir)
		}
	}
	if c.Rule == "" {
		c.Rule, c.Kind, _ = simulate.FSCause(res)
	}
	if c.Path == "" {
		c.Path = p
	}
	switch c.Rule {
	case RuleNoSearch:
		if r.tracing() {
			r.step("permission", nil, "%s lacks search (x) permission on %s (%s)", r.s.Cred.User, c.Path, r.s.Describe(c.Path))
		}
	case RuleUnreadableFile, RuleUnreadableDir:
		if r.tracing() {
			r.step("permission", nil, "%s lacks read (r) permission on %s (%s)", r.s.Cred.User, c.Path, r.s.Describe(c.Path))
		}
	}
	return c
}
