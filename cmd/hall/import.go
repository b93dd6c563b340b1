package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"hall/internal/insurance"
	"hall/internal/legacy"
	"hall/internal/registry"
	"hall/internal/registrysync"
)

// cmdImport loads outside data files: `hall import registry FILE [flags]`,
// `hall import insurance DIR-or-URL [flags]` (a URL is the core system's export over
// HTTPS, its API key in HALL_INSURANCE_API_KEY) and `hall import legacy FILE.csv [flags]`
// (the legacy hall's unit accounts, docs/legacy-upgrade.md). Each file loads all-or-nothing and
// idempotently; per-line errors are printed in Chinese.
func cmdImport(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return errors.New("usage: hall import registry FILE [flags] | hall import insurance DIR-or-URL [flags] | hall import legacy FILE.csv [flags]")
	}
	kind, file := args[0], args[1]
	return withApp(ctx, "import "+kind, args[2:], func(a *app) error {
		switch kind {
		case "registry":
			if a.DevRegistry == nil {
				return errors.New("the registry is an external system in this configuration (registry-url is set); nothing to import")
			}
			if err := registry.ImportFile(ctx, a.DevRegistry, file, os.Stdout); err != nil {
				return err
			}
			// Apply what changed to the unit accounts at once (B5): a new legal rep
			// takes over, the old one's sessions end, cancelled units close.
			rep, err := a.RegistrySync.Run(ctx, registrysync.Origin{Via: "import"})
			printSync(os.Stdout, rep)
			return err
		case "insurance":
			im := &insurance.Importer{DB: a.DB, Now: a.Now, Progress: os.Stdout}
			if !strings.HasPrefix(file, "https://") && !strings.HasPrefix(file, "http://") {
				return im.ImportDir(ctx, file, os.Stdout)
			}
			// The key is read as serve's scheduled pull reads it: from the environment,
			// the file its _FILE form names, or --insurance-api-key; the first two are
			// the ones to use, as a flag can be read by other users of the machine in
			// the process list.
			src, err := insurance.NewHTTPSource(file, a.Config.InsuranceAPIKey, nil)
			if err != nil {
				return fmt.Errorf("%w (the API key is read from %s or %s_FILE)", err, insuranceAPIKeyEnv, insuranceAPIKeyEnv)
			}
			return im.ImportFrom(ctx, src, os.Stdout)
		case "legacy":
			im := &legacy.Importer{DB: a.DB, Now: a.Now, Progress: os.Stdout}
			_, err := im.ImportFile(ctx, file, os.Stdout)
			return err
		}
		return fmt.Errorf("unknown import kind %q (known: registry, insurance, legacy)", kind)
	})
}

// insuranceAPIKeyEnv names the environment variable holding the core system's API
// key for `hall import insurance URL`.
const insuranceAPIKeyEnv = insurance.APIKeyEnv

// printSync tells what the registry sync changed in unit accounts.
func printSync(w io.Writer, rep registrysync.Report) {
	var replaced, vacant, renamed, closed int
	for _, c := range rep.Changes {
		switch c.LegalRep {
		case registrysync.LegalRepReplaced, registrysync.LegalRepInstalled:
			replaced++
		case registrysync.LegalRepVacant:
			vacant++
		}
		if c.Renamed {
			renamed++
		}
		if c.Closed {
			closed++
		}
	}
	fmt.Fprintf(w, "单位账户同步：检查%d条登记信息，变更%d个单位（法定代表人已更换%d，法定代表人待注册%d，更名%d，注销关闭%d）\n",
		rep.Seen, len(rep.Changes), replaced, vacant, renamed, closed)
}
