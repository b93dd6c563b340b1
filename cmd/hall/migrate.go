package main

import (
	"context"
	"fmt"
)

func cmdMigrate(ctx context.Context, args []string) error {
	cfg, err := parseConfig("migrate", args)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("database %s (%s) is at schema version %d\n", a.db.Where, a.db.Engine, v)
	return nil
}
