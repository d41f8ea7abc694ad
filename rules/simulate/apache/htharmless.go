package apache

import (
	"fmt"
	"strconv"
	"strings"

	conf "github.com/unforbid/unforbid/parser/apache"
)

// The .htaccess directives that change headers, output filters and
// expiry, never the status, once httpd has read them: their module not
// loaded (outside <IfModule>) they are an "Invalid command" (500), and
// with it loaded the arguments httpd refuses when it reads the file are
// a 500 too. check says why httpd refuses d (its error message), or
// unsure why the simulator cannot tell.
var htHarmless = map[string]struct {
	htDirective
	check func(s *Simulator, d *conf.Directive) (msg, unsure string)
}{
	"addoutputfilterbytype": {htDirective{orFileInfo, "filter_module"}, checkFilterByType},
	"header":                {htDirective{orFileInfo, "headers_module"}, checkHeader},
	"requestheader":         {htDirective{orFileInfo, "headers_module"}, checkHeader},
	"expiresactive":         {htDirective{orIndexes, "expires_module"}, checkExpiresActive},
	"expiresdefault":        {htDirective{orIndexes, "expires_module"}, checkExpires},
	"expiresbytype":         {htDirective{orIndexes, "expires_module"}, checkExpires},
	// <If>, <ElseIf>, <Else>: core sections of any override class
	// whose contents httpd reads with the file; applying them is not
	// modelled (perDir.apply says so).
	"if":     {htDirective{orAll, ""}, nil},
	"elseif": {htDirective{orAll, ""}, nil},
	"else":   {htDirective{orAll, ""}, nil},
}

// outputFilters are the output filters of Debian's modules that
// AddOutputFilterByType names, by lower-case name.
var outputFilters = map[string]string{
	"deflate": "deflate_module", "inflate": "deflate_module", "includes": "include_module",
	"substitute": "substitute_module", "sed": "sed_module", "brotli_compress": "brotli_module",
	"proxy-html": "proxy_html_module", "xml2enc": "xml2enc_module", "data": "data_module",
	"ratelimit": "ratelimit_module", "buffer": "buffer_module",
}

// checkFilterByType is mod_filter's AddOutputFilterByType filter[;filter]
// type...: an unknown filter is "Unknown filter provider".
func checkFilterByType(s *Simulator, d *conf.Directive) (string, string) {
	if len(d.Args) < 2 {
		return fmt.Sprintf("%s takes at least two arguments", d.Name), ""
	}
	for _, f := range strings.Split(d.Args[0], ";") {
		mod, ok := outputFilters[strings.ToLower(f)]
		switch {
		case !ok:
			return "", fmt.Sprintf("%s: the output filter %s is not modelled yet", d.Range, f)
		case !s.Config.Modules[mod]:
			return "Unknown filter provider " + f, ""
		}
	}
	return "", ""
}

// checkHeader is mod_headers' Header and RequestHeader in their plain
// forms: [always|onsuccess] set|append|add|merge|setifempty header value
// [early|env=...], unset header. Format specifiers and expr= conditions
// are parsed by httpd too: not modelled.
func checkHeader(_ *Simulator, d *conf.Directive) (string, string) {
	unsure := fmt.Sprintf("%s: %s %s is not modelled yet", d.Range, d.Name, strings.Join(d.Args, " "))
	args := d.Args
	if len(args) > 0 && d.Is("Header") && (strings.EqualFold(args[0], "always") || strings.EqualFold(args[0], "onsuccess")) {
		args = args[1:]
	}
	if len(args) < 2 {
		return "", unsure
	}
	n := 3
	switch strings.ToLower(args[0]) {
	case "set", "append", "add", "merge", "setifempty":
	case "unset":
		n = 2
	default:
		return "", unsure
	}
	if len(args) == n+1 {
		last := strings.ToLower(args[n])
		if last != "early" && !strings.HasPrefix(last, "env=") {
			return "", unsure
		}
		args = args[:n]
	}
	if len(args) != n || n == 3 && strings.Contains(args[2], "%") {
		return "", unsure
	}
	return "", ""
}

// checkExpiresActive is mod_expires' flag: on or off.
func checkExpiresActive(_ *Simulator, d *conf.Directive) (string, string) {
	if len(d.Args) != 1 || !strings.EqualFold(d.Args[0], "on") && !strings.EqualFold(d.Args[0], "off") {
		return "ExpiresActive must be On or Off", ""
	}
	return "", ""
}

// expiresUnits are the units of mod_expires' alternative syntax.
var expiresUnits = map[string]bool{"years": true, "months": true, "weeks": true, "days": true,
	"hours": true, "minutes": true, "seconds": true}

// checkExpires is ExpiresDefault code and ExpiresByType type code, the
// code "A<seconds>", "M<seconds>" or "access|now|modification [plus]
// (<num> <unit>)...", as mod_expires' check_code reads it.
func checkExpires(_ *Simulator, d *conf.Directive) (string, string) {
	want := 1
	if d.Is("ExpiresByType") {
		want = 2
	}
	if len(d.Args) != want {
		return "", fmt.Sprintf("%s: %s with %d arguments is not modelled yet", d.Range, d.Name, len(d.Args))
	}
	code := d.Args[want-1]
	unsure := fmt.Sprintf("%s: the expiry code %q is not modelled yet", d.Range, code)
	if c := code[0]; c == 'A' || c == 'M' {
		if _, err := strconv.Atoi(code[1:]); err != nil {
			return "", unsure
		}
		return "", ""
	}
	w := strings.Fields(strings.ToLower(code))
	if len(w) == 0 || w[0] != "access" && w[0] != "now" && w[0] != "modification" {
		return "", unsure
	}
	w = w[1:]
	if len(w) > 0 && w[0] == "plus" {
		w = w[1:]
	}
	if len(w) == 0 || len(w)%2 != 0 {
		return "", unsure
	}
	for i := 0; i < len(w); i += 2 {
		if _, err := strconv.Atoi(w[i]); err != nil {
			return "", unsure
		}
		u := w[i+1]
		if !expiresUnits[u] && !expiresUnits[u+"s"] {
			return "", unsure
		}
	}
	return "", ""
}
