package main

import (
	"context"
	"errors"
	"fmt"
)

func cmdAuditVerify(ctx context.Context, args []string) error {
	return withApp(ctx, "audit verify", args, func(a *app) error {
		res, err := a.Audit.Verify(ctx)
		if err != nil {
			return err
		}
		fmt.Println(res.String())
		if !res.OK {
			return errors.New("audit log chain is broken")
		}
		return nil
	})
}
