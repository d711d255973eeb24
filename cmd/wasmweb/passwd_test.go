package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/bcrypt"

	"github.com/wasmweb/wasmweb/host/config"
)

// passwd prints a [site.accounts] line whose hash verifies the password
// read from standard input, and which the config accepts.
func TestPasswd(t *testing.T) {
	for _, tc := range []struct {
		user, input, password string
	}{
		{"alice", "wonderland\n", "wonderland"},
		{"alice", "wonder land\r\n", "wonder land"},
		{"alice", "no newline", "no newline"},
		{"alice", "first\nsecond\n", "first"},
		{"Bob Smith", "x\n", "x"},
		{`quo"te\back`, "x\n", "x"},
		{"zoë@example.com", strings.Repeat("p", 72) + "\n", strings.Repeat("p", 72)},
	} {
		t.Run(tc.user, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := passwdCmd([]string{"--user", tc.user, "--cost", "4"}, strings.NewReader(tc.input), &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if errb.Len() != 0 {
				t.Errorf("stderr %q, want nothing when not reading from a terminal", errb.String())
			}
			var accts map[string]string
			if _, err := toml.Decode(out.String(), &accts); err != nil {
				t.Fatalf("output %q is not TOML: %v", out.String(), err)
			}
			hash, ok := accts[tc.user]
			if len(accts) != 1 || !ok {
				t.Fatalf("output %q, want one key %q", out.String(), tc.user)
			}
			if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(tc.password)); err != nil {
				t.Errorf("hash does not verify %q: %v", tc.password, err)
			}
			if cost, _ := bcrypt.Cost([]byte(hash)); cost != 4 {
				t.Errorf("cost %d, want 4", cost)
			}
			cfg := "[[site]]\nname = \"a\"\nhosts = [\"*\"]\n[site.accounts]\n" + out.String() +
				"[site.plugins]\nhello = \"plugins/hello\"\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n"
			if _, err := config.Parse("pasted.toml", []byte(cfg), "../../host/config/testdata"); err != nil {
				t.Errorf("the config refuses the pasted line: %v", err)
			}
		})
	}
}

func TestPasswdErrors(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		input    string
		code     int
		contains string
	}{
		{nil, "x\n", 2, "--user NAME is required"},
		{[]string{"--user", "alice", "secret"}, "x\n", 2, `unexpected argument "secret"`},
		{[]string{"--user", " alice"}, "x\n", 2, "white space"},
		{[]string{"--user", "al\x01ice"}, "x\n", 2, "control characters"},
		{[]string{"--user", "alice", "--cost", "3"}, "x\n", 2, "outside 4 to 14"},
		{[]string{"--user", "alice", "--cost", "15"}, "x\n", 2, "outside 4 to 14"},
		{[]string{"--user", "alice", "--cost", "4"}, "\n", 1, "empty"},
		{[]string{"--user", "alice", "--cost", "4"}, "", 1, "empty"},
		{[]string{"--user", "alice", "--cost", "4"}, strings.Repeat("p", 73) + "\n", 1, "longer than 72 bytes"},
		{[]string{"--user", "alice", "--cost", "4"}, strings.Repeat("p", 5000), 1, "longer than 72 bytes"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := passwdCmd(tc.args, strings.NewReader(tc.input), &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.contains) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d containing %q", code, errb.String(), tc.code, tc.contains)
			}
			if code != 0 && out.Len() != 0 {
				t.Errorf("stdout %q after a failure", out.String())
			}
		})
	}
	var out, errb bytes.Buffer
	if code := run([]string{"help", "passwd"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "[site.accounts]") || !strings.Contains(out.String(), "-cost") {
		t.Errorf("help passwd: exit %d, %q", code, out.String())
	}
}
