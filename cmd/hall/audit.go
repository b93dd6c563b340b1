package main

import (
	"context"
	"errors"
	"fmt"
)

func cmdAuditVerify(ctx context.Context, args []string) error {
	cfg, err := parseConfig("audit verify", args)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.Audit.Verify(ctx)
	if err != nil {
		return err
	}
	fmt.Println(res.String())
	if !res.OK {
		return errors.New("audit log chain is broken")
	}
	return nil
}
