package main

import (
	"context"
	"fmt"
)

func cmdMigrate(ctx context.Context, args []string) error {
	return withApp(ctx, "migrate", args, func(a *app) error {
		v, err := a.DB.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("database %s (%s) is at schema version %d\n", a.DB.Where, a.DB.Engine, v)
		return nil
	})
}
