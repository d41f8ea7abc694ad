package nginx

import "strings"

// Duplicates and the events section. nginx -t refuses a directive given
// twice in one block when its handler allows it once ("root /a; root /b;":
// `"root" directive is duplicate`), and a configuration without an events
// block. Which directives allow one is measured from nginx itself
// (singular, duplicates_gen.go). A block is what nginx makes one
// configuration of: the top level, events, http, each server, upstream,
// location, if and limit_except; the directives of an included file count
// in the block they are included into, and a directive inherited from an
// outer block is no duplicate.

// checkDuplicates reports the first directive of each block of the tree
// given twice where nginx allows it once, at the second, with nginx's
// words. It allocates nothing: a block holds at most one use of each of
// the few hundred singular names before its first duplicate, so scanning
// back is cheap.
func (l *loader) checkDuplicates(list []*Directive, ctx string) {
	if _, ok := wrappers[ctx]; !ok {
		return // map, types, geo... bodies hold no directives
	}
	reported := false
	for i, d := range list {
		if d.Block != nil {
			l.checkDuplicates(d.Block, l.enterKey(ctx, d.Name))
		}
		if reported || !singular[d.Name] {
			continue
		}
		for _, e := range list[:i] {
			if !sameField(e.Name, d.Name) {
				continue
			}
			// nginx stops at the first duplicate of a block.
			reported = true
			file, line := d.Range.File, d.Range.Start.Line
			if e.Name != d.Name {
				l.errorf(file, line, "%q directive is duplicate, %q directive was specified earlier", d.Name, e.Name)
			} else {
				l.errorf(file, line, "%q directive is duplicate", d.Name)
			}
			break
		}
	}
}

// enterKey returns the key of the context of the block of directive name
// standing in the context of key ctx, computed once per pair.
func (l *loader) enterKey(ctx, name string) string {
	if k, ok := l.ctxKeys[[2]string{ctx, name}]; ok {
		return k
	}
	var c blockCtx
	if ctx != "" {
		c = strings.Split(ctx, ">")
	}
	k := c.enter(name).key()
	if l.ctxKeys == nil {
		l.ctxKeys = map[[2]string]string{}
	}
	l.ctxKeys[[2]string{ctx, name}] = k
	return k
}

// sameField reports whether directives a and b set one field of nginx's
// configuration: the same name, or root and alias (ngx_http_core_root).
func sameField(a, b string) bool {
	return a == b || (a == "root" || a == "alias") && (b == "root" || b == "alias")
}

// checkEvents reports a configuration without an events block at the top
// level, as nginx -t does, against the main file.
func (l *loader) checkEvents() {
	for _, d := range l.cfg.Dirs {
		if d.Name == "events" {
			return
		}
	}
	l.errorf(l.cfg.Main, 0, `no "events" section in configuration`)
}
