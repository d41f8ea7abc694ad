package nginx

import "github.com/unforbid/unforbid/rules/simulate"

// requestLineError returns why nginx's request-line parser
// (ngx_http_parse_request_line, ngx_http_parse_complex_uri) refuses req
// with 400, or "" when it takes it. simulate.ParseRequest keeps the method
// and path as sent, since what a server refuses there is its own call
// (Apache httpd answers 501 for a method it does not know).
func requestLineError(req simulate.Request) string {
	if !validMethod(req.Method) {
		return "client sent invalid method"
	}
	p := req.RawPath
	if p == "" {
		p = req.Path
	}
	if simulate.ClimbsAboveRoot(p) {
		return "client sent invalid request (the path climbs above \"/\")"
	}
	return ""
}

// validMethod reports whether nginx's parser takes m as a method: one or
// more upper-case letters, "_" and "-".
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if !(c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
