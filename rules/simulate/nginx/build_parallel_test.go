package nginx_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// TestBuildServersInParallel loads a configuration of many varied server
// blocks (regex and nested locations, if blocks, aliases, server names
// whose regex does not compile) on one core and on several, and wants
// the same sites, notes and decisions: the model builds server blocks on
// every core once there are many.
func TestBuildServersInParallel(t *testing.T) {
	var conf strings.Builder
	conf.WriteString("events {}\nhttp {\n")
	for i := range 300 {
		fmt.Fprintf(&conf, "server {\n\tlisten %d;\n", 8000+i%5)
		if i%7 == 3 {
			fmt.Fprintf(&conf, "\tserver_name s%d.example ~^(s%d\\.example$;\n", i, i) // a regex that does not compile
		} else {
			fmt.Fprintf(&conf, "\tserver_name s%d.example;\n", i)
		}
		fmt.Fprintf(&conf, "\troot /srv/s%d;\n", i%11)
		if i%3 == 0 {
			conf.WriteString("\tindex index.htm;\n\terror_page 404 /404.html;\n")
		}
		conf.WriteString("\tlocation / { try_files $uri $uri/ =404; }\n")
		conf.WriteString("\tlocation ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }\n")
		fmt.Fprintf(&conf, "\tlocation /a%d/ { alias /srv/alias%d/; location ~ \\.txt$ { deny all; } }\n", i, i%4)
		conf.WriteString("\tlocation /b/ { if ($arg_x) { return 403; } expires 1d; }\n")
		conf.WriteString("\tlocation = /c { auth_basic \"x\"; auth_basic_user_file /etc/nginx/htpasswd; }\n")
		conf.WriteString("}\n")
	}
	conf.WriteString("}\n")
	files := map[string]string{"etc/nginx/nginx.conf": conf.String()}
	for i := range 11 {
		files[fmt.Sprintf("srv/s%d/index.htm", i)] = "x"
	}
	render := func() string {
		s := loadFiles(t, files)
		var b strings.Builder
		out, err := json.Marshal([]any{s.Sites(), s.Notes()})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(out)
		for i := range 300 {
			for _, p := range []string{"/", "/x.php", fmt.Sprintf("/a%d/f.txt", i), "/b/?x=1", "/c"} {
				d := s.Simulate(simulate.Request{Host: fmt.Sprintf("s%d.example", i), Port: 8000 + i%5, ServerIP: "127.0.0.1", ClientIP: "127.0.0.1", Path: p})
				fmt.Fprintf(&b, "\n%d %s %d %v %v", i, p, d.Status, d.Cause != nil, d.Unsure)
			}
		}
		return b.String()
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := render()
	runtime.GOMAXPROCS(4)
	if many := render(); many != one {
		t.Errorf("built on several cores, the model differs:\n%s\non one core:\n%s", many[:min(len(many), 2000)], one[:min(len(one), 2000)])
	}
	if !strings.Contains(one, "not simulated") {
		t.Error("no server_name regex went to the notes: the test lost its unsupported case")
	}
}
