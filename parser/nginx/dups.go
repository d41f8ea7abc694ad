package nginx

// Duplicates and the events section. nginx -t refuses a directive given
// twice in one block when its handler allows it once ("root /a; root /b;":
// `"root" directive is duplicate`), and a configuration without an events
// block. Which directives allow one is measured from nginx itself
// (singular, duplicates_gen.go). A block is what nginx makes one
// configuration of: the top level, events, http, each server, upstream,
// location, if and limit_except; the directives of an included file count
// in the block they are included into, and a directive inherited from an
// outer block is no duplicate.

// checkDuplicates reports every directive of the tree given twice in one
// block where nginx allows it once, at the second, with nginx's words.
func (l *loader) checkDuplicates(list []*Directive, ctx blockCtx) {
	if _, ok := wrappers[ctx.key()]; !ok {
		return // map, types, geo... bodies hold no directives
	}
	var seen map[string]int // uses so far; root and alias share one
	for _, d := range list {
		if d.Name == "#" {
			continue
		}
		if d.Block != nil {
			l.checkDuplicates(d.Block, ctx.enter(d.Name))
		}
		if !singular[d.Name] {
			continue
		}
		if seen == nil {
			seen = map[string]int{}
		}
		key := d.Name
		if key == "alias" {
			key = "root" // one field (ngx_http_core_root)
		}
		seen[key]++
		if seen[key] != 2 {
			continue // nginx stops at the first duplicate
		}
		file, line := d.Range.File, d.Range.Start.Line
		if first := firstOf(list, key); first != d.Name {
			l.errorf(file, line, "%q directive is duplicate, %q directive was specified earlier", d.Name, first)
			continue
		}
		l.errorf(file, line, "%q directive is duplicate", d.Name)
	}
}

// firstOf returns the name of the first directive of list counted under
// key: root or alias for "root", else key itself.
func firstOf(list []*Directive, key string) string {
	for _, d := range list {
		if d.Name == key || key == "root" && d.Name == "alias" {
			return d.Name
		}
	}
	return key
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
