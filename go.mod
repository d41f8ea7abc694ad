module github.com/unforbid/unforbid

go 1.26.0

require (
	github.com/dlclark/regexp2 v1.12.0
	github.com/nginxinc/nginx-go-crossplane v0.4.89
	github.com/sergi/go-diff v1.4.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.49.0
	golang.org/x/tools v0.32.0
)

require (
	github.com/jstemmer/go-junit-report v1.0.0 // indirect
	golang.org/x/mod v0.24.0 // indirect
	golang.org/x/sync v0.13.0 // indirect
)
