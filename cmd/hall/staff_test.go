package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"hall/internal/staff"
)

// TestStaffAdd: `hall staff add` creates the first security administrator, who can
// sign in with what it printed; a second is refused without --force.
func TestStaffAdd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	if err := staffAdd(ctx, []string{"--login", "secadmin", "--name", "安全管理员甲", "--data-dir", dir}, &out); err != nil {
		t.Fatalf("staff add: %v", err)
	}
	text := out.String()
	pw := regexp.MustCompile(`初始密码（[^）]*）：(\S+)`).FindStringSubmatch(text)
	secret := regexp.MustCompile(`密钥：([A-Z2-7]+)`).FindStringSubmatch(text)
	if pw == nil || secret == nil || !strings.Contains(text, "otpauth://totp/") || !strings.Contains(text, "█") {
		t.Fatalf("output lacks the credentials or the QR code:\n%s", text)
	}

	cfg, err := parseConfig("test", []string{"--data-dir", dir})
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	// Only the check: the printed credentials sign in, no session is needed.
	noStart := func(context.Context, staff.Staff) error { return nil }
	st, err := a.Staff.Login(ctx, staff.LoginInput{Start: noStart, Login: "secadmin", Password: pw[1], Code: staff.Code(secret[1], time.Now()),
		ClientIP: "127.0.0.1"})
	a.Close()
	if err != nil || !st.Roles.Has(staff.RoleSecurity) || !st.MustChangePassword {
		t.Fatalf("login with the printed credentials: %+v, %v", st, err)
	}

	out.Reset()
	err = staffAdd(ctx, []string{"--login", "second", "--name", "安全管理员乙", "--data-dir", dir}, &out)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second security administrator without --force: %v", err)
	}
	if err := staffAdd(ctx, []string{"--login", "second", "--name", "安全管理员乙", "--force", "--qr=false", "--data-dir", dir}, &out); err != nil {
		t.Fatalf("with --force: %v", err)
	}
	if strings.Contains(out.String(), "█") {
		t.Error("--qr=false drew the QR code")
	}
	for _, args := range [][]string{{"--name", "某"}, {"--login", "x"}, {"--login", "9bad", "--name", "某"}} {
		if err := staffAdd(ctx, append(args, "--data-dir", dir), &out); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if err := cmdStaff(ctx, []string{"remove"}); err == nil {
		t.Error("hall staff remove accepted")
	}
}
