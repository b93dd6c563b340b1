package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"hall/internal/bench"
	"hall/internal/person"
)

// cmdBench runs `hall bench`: load levels against a running hall (internal/bench).
func cmdBench(ctx context.Context, args []string) error {
	return benchRun(ctx, args, os.Stdout, os.Stderr)
}

func benchRun(ctx context.Context, args []string, out, progress io.Writer) error {
	hash := person.DefaultHashConfig()
	fs := flag.NewFlagSet("hall bench", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of a running 'hall serve'")
	scenario := fs.String("scenario", "unit-login", "what the clients do: "+bench.ScenarioNames)
	clients := fs.String("clients", "2,4,8,16,32,64", "closed-loop levels: numbers of clients, comma-separated")
	rates := fs.String("rate", "", "open-loop levels instead: arrivals per second, comma-separated (e.g. 150/s,300/s)")
	inFlight := fs.Int("max-in-flight", 64, "open loop: most requests at once; arrivals beyond are dropped and counted")
	duration := fs.Duration("duration", 10*time.Second, "duration of each level")
	mixLogins := fs.Int("mix-logins", 8, "mix: unit-login clients running beside the pages")
	accountsFile := fs.String("accounts", "", "CSV file of logins (account,login,password; account empty for a personal login); default: the demo accounts")
	unit := fs.String("unit", "", "sign in only with the unit logins of this unit account (统一社会信用代码), e.g. the demo's 91321281MA307HBQXQ (about 3,000 employees), 91320282945013927Q (240) or 91321322403089089T (50)")
	rightsMonths := fs.Int("rights-months", bench.DefaultRightsMonths, "rights-record: the period of each record, the last N full months (1–36)")
	pid := fs.Int("pid", 0, "the server's process id, for its RSS; default: the process listening on --url's port, if this user may see it")
	hashDuration := fs.Duration("hash-duration", 3*time.Second, "how long each measurement of H (argon2id hashes/s) runs; 0 measures none")
	fs.Func("hash-memory-kib", fmt.Sprintf("argon2id memory of H, KiB (the hall's default: %d)", hash.Memory), uint32Flag(&hash.Memory))
	fs.Func("hash-time", fmt.Sprintf("argon2id passes of H (the hall's default: %d)", hash.Time), uint32Flag(&hash.Time))
	cpuPerRequest := fs.Bool("cpu-per-request", false, "read the server's CPU (to the nanosecond, all its threads) before and after each request and report its p50, p99 and max per successful request, and for rights-record the p99 over t_h; valid only with a single closed-loop client (--clients 1, no --rate, --mix-logins 0 for mix, not qr-idle) and a server on this machine")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a Markdown table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	sc, err := bench.ParseScenario(*scenario)
	if err != nil {
		return err
	}
	if *rightsMonths < 1 {
		return fmt.Errorf("--rights-months %d: want the months of a record, 1–36", *rightsMonths)
	}
	cfg := bench.Config{URL: *base, Scenario: sc, MaxInFlight: *inFlight, Duration: *duration,
		MixLogins: *mixLogins, RightsMonths: *rightsMonths, PID: *pid, Hash: hash, HashDuration: *hashDuration,
		CPUPerRequest: *cpuPerRequest, Progress: progress, Accounts: bench.DemoAccounts()}
	if *rates != "" {
		if cfg.Rates, err = parseRates(*rates); err != nil {
			return err
		}
	} else if cfg.Clients, err = parseInts(*clients); err != nil {
		return err
	}
	if *accountsFile != "" {
		f, err := os.Open(*accountsFile)
		if err != nil {
			return err
		}
		cfg.Accounts, err = bench.ReadAccounts(f)
		_ = f.Close() // read-only file, fully read; ReadAccounts reports any read error
		if err != nil {
			return err
		}
	}
	if *unit != "" {
		if cfg.Accounts, err = bench.ForUnit(cfg.Accounts, *unit); err != nil {
			return err
		}
	}
	if cfg.PID == 0 {
		cfg.PID = listenerOf(*base, progress)
	}
	if sc.QR == "idle" && len(cfg.Clients) > 0 {
		// Every waiting page holds a connection open.
		most := slices.Max(cfg.Clients)
		// #nosec G115 -- parseInts admits only client counts of 1 or more.
		limit, err := bench.RaiseFileLimit(uint64(most) + 256)
		if err != nil {
			return err
		}
		fmt.Fprintf(progress, "open files allowed: %d\n", limit)
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	for _, lv := range rep.Levels {
		for _, e := range lv.FirstErrors {
			fmt.Fprintf(progress, "error (%s): %s\n", lv.Scenario, e)
		}
	}
	if *asJSON {
		return rep.WriteJSON(out)
	}
	return rep.WriteMarkdown(out)
}

// listenerOf finds the process serving base's port on this machine, for its RSS; 0
// (no RSS in the report) when there is none this user may see.
func listenerOf(base string, progress io.Writer) int {
	u, err := url.Parse(base)
	if err != nil {
		return 0
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0
	}
	if host := u.Hostname(); host != "localhost" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return 0 // another machine: its processes are not ours to read
		}
	}
	pid, err := bench.FindListener(port)
	if err != nil {
		fmt.Fprintf(progress, "server RSS not measured: %v (give --pid)\n", err)
		return 0
	}
	fmt.Fprintf(progress, "server process %d listens on port %d\n", pid, port)
	return pid
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--clients: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(f), "/s"), 64)
		if err != nil {
			return nil, fmt.Errorf("--rate: %q is not a rate (want N or N/s)", f)
		}
		out = append(out, r)
	}
	return out, nil
}

func uint32Flag(p *uint32) func(string) error {
	return func(s string) error {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return errors.New("want a positive whole number")
		}
		*p = uint32(n)
		return nil
	}
}
