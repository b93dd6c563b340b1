package main

import (
	"context"
	"errors"
	"fmt"
)

// cmdAuditVerify checks the chain on its own and then against the anchor file
// (--audit-anchor-file), printing one line for each; it fails if either fails. A
// missing anchor file is said, not failed: a new hall has none until `hall serve`
// writes the first.
func cmdAuditVerify(ctx context.Context, args []string) error {
	return withApp(ctx, "audit verify", args, func(a *app) error {
		res, err := a.Audit.Verify(ctx)
		if err != nil {
			return err
		}
		fmt.Println(res.String())
		anchors, err := a.Audit.VerifyAnchors(ctx, a.Config.AuditAnchorFile)
		if err != nil {
			return err
		}
		fmt.Println(anchors.String())
		switch {
		case !res.OK:
			return errors.New("audit log chain is broken")
		case anchors.Present && !anchors.OK:
			return fmt.Errorf("audit log disagrees with its anchor file: %s", anchors.Reason)
		}
		return nil
	})
}
