package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"

	"hall/internal/demo"
)

func (a *app) deps() demo.Deps {
	return demo.Deps{Services: a.Services}
}

func cmdDemo(ctx context.Context, args []string) error {
	return withApp(ctx, "demo", args, func(a *app) error {
		sum, err := demo.Load(ctx, a.deps())
		if err != nil {
			return err
		}
		fmt.Printf("demo data: loaded %v, already present %v\n", sum.Loaded, sum.Present)
		printAccounts(sum.Accounts)
		return nil
	})
}

func printAccounts(accts []demo.Account) {
	if len(accts) == 0 {
		return
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "类型\t单位\t登录账号\t姓名\t角色\t密码")
	for _, ac := range accts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ac.Kind, ac.Unit, ac.Login, ac.Person, ac.Role, ac.Password)
	}
	_ = tw.Flush() // a failed write to the terminal leaves nothing to report to
}

// logDemo lists the demo accounts at start-up so a newcomer can log in at once. These
// are generated, invented accounts, so printing their passwords is intended.
func logDemo(log *slog.Logger, sum demo.Summary) {
	log.Info("demo data ready", "loaded", sum.Loaded, "present", sum.Present)
	printAccounts(sum.Accounts)
}
