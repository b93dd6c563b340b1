package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"hall/internal/insurance"
	"hall/internal/registry"
)

// cmdImport loads outside data files: `hall import registry FILE [flags]` and
// `hall import insurance DIR [flags]`. Each file loads all-or-nothing and
// idempotently; per-line errors are printed in Chinese.
func cmdImport(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return errors.New("usage: hall import registry FILE [flags] | hall import insurance DIR [flags]")
	}
	kind, file := args[0], args[1]
	return withApp(ctx, "import "+kind, args[2:], func(a *app) error {
		switch kind {
		case "registry":
			if a.DevRegistry == nil {
				return errors.New("the registry is an external system in this configuration (registry-url is set); nothing to import")
			}
			return registry.ImportFile(ctx, a.DevRegistry, file, os.Stdout)
		case "insurance":
			im := &insurance.Importer{DB: a.DB, Now: a.Now, Progress: os.Stdout}
			return im.ImportDir(ctx, file, os.Stdout)
		}
		return fmt.Errorf("unknown import kind %q (known: registry, insurance)", kind)
	})
}
