package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"hall/internal/config"
	"hall/internal/qr"
	"hall/internal/staff"
)

// cmdStaff runs `hall staff add --login NAME --name 姓名 [--force] [--reason 事由]
// [--qr=false] [flags]`: it creates a security administrator (安全管理员) from the
// command line, where nobody is signed in — the first one, or with --force another
// one when every security administrator is locked out — and prints the one-time
// initial password and the TOTP enrolment (otpauth URI, base32 secret and, unless
// --qr=false, the QR code in the terminal). Other staff accounts are made by the
// security administrator in the back office.
func cmdStaff(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: hall staff add --login NAME --name 姓名 [--force] [--reason 事由] [--qr=false] [flags]")
	}
	return staffAdd(ctx, args[1:], os.Stdout)
}

func staffAdd(ctx context.Context, args []string, out io.Writer) error {
	cfg := config.Defaults()
	fs := flag.NewFlagSet("hall staff add", flag.ContinueOnError)
	login := fs.String("login", "", "login name of the new security administrator (3–32 of a-z 0-9 . _ -)")
	name := fs.String("name", "", "the security administrator's name (姓名)")
	force := fs.Bool("force", false, "create another security administrator even though an enabled one exists (all of them locked out)")
	reason := fs.String("reason", "首个安全管理员（hall staff add）", "reason recorded in the audit log")
	showQR := fs.Bool("qr", true, "draw the TOTP enrolment as a QR code in the terminal")
	if err := config.Register(fs, &cfg, os.Getenv); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *login == "" || *name == "" {
		return errors.New("hall staff add needs --login and --name")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return runApp(ctx, cfg, func(a *app) error {
		c, err := a.Staff.Bootstrap(ctx, *login, *name, *reason, *force)
		if errors.Is(err, staff.ErrSecurityExists) {
			return fmt.Errorf("%s（如所有安全管理员均无法登录，可加 --force 再建一个）", staff.Message(err))
		}
		var se *staff.Error
		if errors.As(err, &se) {
			return errors.New(se.Msg)
		}
		if err != nil {
			return err
		}
		return printCreated(out, c, *showQR)
	})
}

// printCreated shows a new account's one-time credentials.
func printCreated(out io.Writer, c staff.Created, showQR bool) error {
	fmt.Fprintf(out, "已创建%s账户：%s（%s）\n\n", c.Staff.Roles.Label(), c.Staff.Login, c.Staff.Name)
	fmt.Fprintf(out, "初始密码（只显示这一次，首次登录后须修改）：%s\n\n", c.InitialPassword)
	fmt.Fprintln(out, "动态口令：请用身份验证器App扫描下面的二维码，或手工输入密钥；首次登录时输入的动态口令即完成绑定。")
	fmt.Fprintf(out, "密钥：%s\n", c.Enrolment.Secret)
	fmt.Fprintf(out, "otpauth 链接：%s\n", c.Enrolment.URI)
	if showQR {
		code, err := qr.Terminal(c.Enrolment.URI)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n%s", code)
	}
	return nil
}
