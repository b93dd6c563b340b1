package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"hall/internal/config"
	"hall/internal/sms"
)

// errSMSProduction is the refusal of `hall sms list` outside development mode: in
// production, texts go to the gateway and there is no outbox to read.
var errSMSProduction = errors.New("hall sms list: the SMS outbox exists only in development mode (no texts are stored in production)")

// cmdSMS runs `hall sms list [-n N] [flags]`: the newest messages of the development
// outbox, so a developer can read the codes the hall "texted".
func cmdSMS(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return errors.New("usage: hall sms list [-n N] [flags]")
	}
	return smsList(ctx, args[1:], os.Stdout)
}

func smsList(ctx context.Context, args []string, out io.Writer) error {
	cfg := config.Defaults()
	fs := flag.NewFlagSet("hall sms list", flag.ContinueOnError)
	n := fs.Int("n", sms.DefaultPerPage, fmt.Sprintf("number of messages to show, newest first (at most %d)", sms.MaxPerPage))
	if err := config.Register(fs, &cfg, os.Getenv); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *n < 1 || *n > sms.MaxPerPage {
		return fmt.Errorf("-n must be between 1 and %d", sms.MaxPerPage)
	}
	// Refuse before opening anything: production mode must not touch the database
	// for a development tool.
	if !cfg.Dev() {
		return errSMSProduction
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return runApp(ctx, cfg, func(a *app) error {
		if a.DevOutbox == nil {
			return errors.New("hall sms list: an SMS gateway is configured (sms-gateway-url), so texts are not kept in the outbox")
		}
		return sms.PrintOutbox(ctx, out, a.DevOutbox, *n)
	})
}
