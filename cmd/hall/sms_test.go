package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"hall/internal/sms"
)

func TestSMSList(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Put one message in the development outbox of a fresh data directory.
	cfg, err := parseConfig("test", []string{"--data-dir", dir})
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DevOutbox.Send(ctx, sms.Message{Mobile: "13912345678", Text: "【示范省人社】您的验证码为123456，5分钟内有效。", Purpose: "login"}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	var out bytes.Buffer
	if err := smsList(ctx, []string{"-n", "5", "--data-dir", dir}, &out); err != nil {
		t.Fatalf("sms list: %v", err)
	}
	for _, want := range []string{"13912345678", "login", "验证码为123456"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	for _, args := range [][]string{{"-n", "0", "--data-dir", dir}, {"-n", "1000", "--data-dir", dir}, {"--data-dir", dir, "extra"}} {
		if err := smsList(ctx, args, &out); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if err := smsList(ctx, []string{"--mode", "production", "--data-dir", dir}, &out); !errors.Is(err, errSMSProduction) {
		t.Errorf("production mode: %v", err)
	}
	if err := cmdSMS(ctx, []string{"send"}); err == nil {
		t.Error("hall sms send accepted")
	}
}
