package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/wasmweb/wasmweb/host/config"
)

const passwdUsage = `Usage: wasmweb passwd --user NAME [--cost N]

Hashes a password with bcrypt and prints a line for a site's
[site.accounts] table, ready to paste into the config:

  NAME = "$2a$10$..."

The password is read from standard input: typed twice, without echo,
when that is a terminal; otherwise its first line is read. It must be 1
to 72 bytes (bcrypt ignores anything longer). The config holds only the
hash; the host checks passwords against it when a plugin calls Login.

Examples:
  wasmweb passwd --user alice
  printf '%s\n' "$PASSWORD" | wasmweb passwd --user alice --cost 12
`

// bareKey is a TOML key that needs no quotes.
var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func passwdCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("passwd", passwdUsage)
	user := fs.String("user", "", "the account's user `name`")
	cost := fs.Int("cost", bcrypt.DefaultCost, fmt.Sprintf("bcrypt cost, %d to %d; each step doubles the time of a sign-in", config.MinBcryptCost, config.MaxBcryptCost))
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "wasmweb passwd: unexpected argument %q (the password is read from standard input)\n", fs.Arg(0))
		return 2
	case *user == "":
		fmt.Fprint(stderr, "wasmweb passwd: --user NAME is required\n")
		return 2
	case *cost < config.MinBcryptCost || *cost > config.MaxBcryptCost:
		fmt.Fprintf(stderr, "wasmweb passwd: --cost %d is outside %d to %d\n", *cost, config.MinBcryptCost, config.MaxBcryptCost)
		return 2
	}
	if err := config.CheckUserName(*user); err != nil {
		fmt.Fprintf(stderr, "wasmweb passwd: --user %q: %v\n", *user, err)
		return 2
	}
	password, err := readPassword(stdin, stderr, *user)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb passwd: %v\n", err)
		return 1
	}
	hash, err := bcrypt.GenerateFromPassword(password, *cost)
	clear(password)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb passwd: %v\n", err)
		return 1
	}
	key := *user
	if !bareKey.MatchString(key) {
		// Go's quoting is TOML's for names without control characters,
		// which CheckName refuses.
		key = strconv.Quote(key)
	}
	fmt.Fprintf(stdout, "%s = %q\n", key, hash)
	return 0
}

// readPassword reads the password from in: twice, without echo, from a
// terminal, or else its first line.
func readPassword(in io.Reader, prompts io.Writer, user string) ([]byte, error) {
	var password []byte
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(prompts, "Password for %s: ", user)
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompts)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(prompts, "Again: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompts)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		if !bytes.Equal(p, again) {
			return nil, errors.New("the passwords differ")
		}
		clear(again)
		password = p
	} else {
		// Read past the limit, to say that a password is too long rather
		// than cut it.
		line, err := bufio.NewReader(io.LimitReader(in, 1024)).ReadSlice('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		password = bytes.Clone(line)
		clear(line)
	}
	switch {
	case len(password) == 0:
		return nil, errors.New("the password is empty")
	case len(password) > config.MaxPasswordLen:
		return nil, fmt.Errorf("the password is longer than %d bytes, all bcrypt can check", config.MaxPasswordLen)
	}
	return password, nil
}
