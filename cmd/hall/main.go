// Command hall runs the online service hall: the web hall, the unit user center, the
// companion app and the back office, plus maintenance subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai must work on machines without zoneinfo
)

const usage = `hall — 网上办事服务大厅 (online service hall)

Usage:
  hall serve   [flags]   run the hall (default: SQLite in ./data, development adapters)
  hall migrate [flags]   apply database migrations and exit
  hall demo    [flags]   load generated demo data (idempotent) and list the demo accounts
  hall audit verify [flags]  check the audit log's hash chain and its anchor file; exit 1 at the first broken link or a chain cut below an anchor
  hall keys rotate [flags]  re-seal personal data under data-key, opening what is under previous-data-keys,
               while the hall serves (docs/data-protection.md)
  hall sms list [-n N] [flags]  show the newest texts of the development SMS outbox (development mode only)
  hall import registry FILE [flags]  load market-regulator registry entries (CSV) into the development registry
  hall import insurance DIR-or-URL [flags]  load the insurance read model from CSV files in DIR or from the
      core system's export at an https URL, key in HALL_INSURANCE_API_KEY (docs/insurance-import.md)
  hall import legacy FILE.csv [flags]  load the legacy hall's unit accounts for 历史单位用户升级 (docs/legacy-upgrade.md)
  hall ca init|issue|revoke|crl|list [flags]  the development CA: unit, person, signing and TLS server
               certificates (PEM + PKCS#12), revocation, CRLs (development mode only; docs/ca-login.md)
  hall staff add --login NAME --name 姓名 [--force] [flags]  create a back-office security administrator; prints the initial password and TOTP enrolment
  hall scale [--persons N] [--units N] [flags]  fill an empty development database with generated persons, units,
               memberships and grants at national size (default 10,000,000 and 1,000,000) for benchmarks
  hall bench   [flags]   drive a running hall over HTTP at load levels and report rates, latencies, refusals, RSS

Every flag can also be set by an environment variable, shown in brackets in
'hall serve --help'. A flag on the command line wins over the environment.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "hall:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Print(usage)
		return nil
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:])
	case "migrate":
		return cmdMigrate(ctx, args[1:])
	case "demo":
		return cmdDemo(ctx, args[1:])
	case "import":
		return cmdImport(ctx, args[1:])
	case "sms":
		return cmdSMS(ctx, args[1:])
	case "ca":
		return cmdCA(args[1:], os.Stdout)
	case "staff":
		return cmdStaff(ctx, args[1:])
	case "bench":
		return cmdBench(ctx, args[1:])
	case "scale":
		return cmdScale(ctx, args[1:], os.Stdout)
	case "keys":
		return cmdKeys(ctx, args[1:])
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			return errors.New("usage: hall audit verify [flags]")
		}
		return cmdAuditVerify(ctx, args[2:])
	}
	return fmt.Errorf("unknown command %q (try 'hall help')", args[0])
}
