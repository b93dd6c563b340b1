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
	v, err := a.DB.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("database %s (%s) is at schema version %d\n", a.DB.Where, a.DB.Engine, v)
	return nil
}
