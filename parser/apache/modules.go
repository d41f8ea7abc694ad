package apache

import (
	_ "embed"
	"strings"
)

// debianDirectivesText is the table of debian_directives.txt: per module
// source name, the directives (and "<Section" names) it defines, as
// Debian's apache2 -L lists them.
//
//go:embed debian_directives.txt
var debianDirectivesText string

// moduleDirectives maps a module source name ("mod_rewrite.c") to the
// lower-cased names of the directives it defines.
var moduleDirectives = parseModuleDirectives(debianDirectivesText)

// directiveModules maps a lower-cased directive name to the source names
// of the modules defining it: directiveKnown's index.
var directiveModules = invertModules(moduleDirectives)

// invertModules turns moduleDirectives around.
func invertModules(mods map[string]map[string]bool) map[string][]string {
	out := map[string][]string{}
	for src, set := range mods {
		for n := range set {
			out[n] = append(out[n], src)
		}
	}
	return out
}

// parseModuleDirectives reads lines "mod_x.c: Name Name ...", skipping
// comments.
func parseModuleDirectives(text string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		src, names, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		set := map[string]bool{}
		for _, n := range strings.Fields(names) {
			set[strings.ToLower(n)] = true
		}
		out[strings.TrimSpace(src)] = set
	}
	return out
}

// KnownModule reports whether the directives of the module with this
// source name ("mod_rewrite.c") are known to Load.
func KnownModule(source string) bool {
	_, ok := moduleDirectives[source]
	return ok
}

// directiveKnown reports whether name (a directive, or "<Name" for a
// section) is defined by one of the loaded modules (by source name).
func directiveKnown(name string, loaded map[string]bool) bool {
	srcs, ok := directiveModules[name]
	if !ok {
		srcs = directiveModules[strings.ToLower(name)]
	}
	for _, src := range srcs {
		if loaded[src] {
			return true
		}
	}
	return false
}

// Undefined reports whether no module the server loads defines the
// directive name ("<Name" for a section), so that httpd answers
// "Invalid command" for it. It is false whenever the server loads a
// module whose directives are not in the table (its directives are
// then unknown, never guessed).
func (c *Config) Undefined(name string) bool {
	for m := range c.Modules {
		if strings.HasSuffix(m, ".c") && !KnownModule(m) {
			return false
		}
	}
	return !directiveKnown(name, c.Modules)
}
