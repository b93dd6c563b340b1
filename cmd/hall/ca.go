package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"hall/internal/ca"
	"hall/internal/config"
	"hall/internal/ident"
)

const caUsage = `usage (development CA only, docs/ca-login.md):
  hall ca init [flags]
  hall ca issue unit --uscc USCC --name NAME [flags]
  hall ca issue person --id-number ID --name NAME [--uscc USCC --unit-name NAME] [flags]
  hall ca issue signing [--name NAME] [flags]      (default name: bureau-name)
  hall ca issue server [--host localhost,127.0.0.1] [flags]
  hall ca revoke SERIAL [--reason keyCompromise] [flags]
  hall ca crl [--days 7] [flags]
  hall ca list [flags]
issue flags: --days N (365), --out DIR (CA-DIR/issued), --password P (PKCS#12; default: made up and printed)`

// errCAProduction refuses `hall ca` in production: the development CA's key is a
// file on the server, which no bureau may trust.
var errCAProduction = errors.New("hall ca: the development CA exists only in development mode; production trusts the CAs in ca-bundle")

// caFlags are the flags every `hall ca` command takes: the hall's configuration
// (data-dir, bureau-name, the subject fields) and the CA directory.
type caFlags struct {
	cfg config.Config
	fs  *flag.FlagSet
	dir *string
}

func newCAFlags(name string) (*caFlags, error) {
	f := &caFlags{cfg: config.Defaults(), fs: flag.NewFlagSet("hall ca "+name, flag.ContinueOnError)}
	if err := config.Register(f.fs, &f.cfg, os.Getenv); err != nil {
		return nil, err
	}
	f.dir = f.fs.String("ca-dir", "", "directory of the development CA (default DATA-DIR/ca)")
	return f, nil
}

// parse reads flags before and after positional arguments, refuses production
// mode before touching anything, and returns the positional arguments.
func (f *caFlags) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		if f.fs.NArg() == 0 {
			break
		}
		positional = append(positional, f.fs.Arg(0))
		args = f.fs.Args()[1:]
	}
	if !f.cfg.Dev() {
		return nil, errCAProduction
	}
	if err := f.cfg.Validate(); err != nil {
		return nil, err
	}
	if *f.dir == "" {
		*f.dir = ca.DevCADir(f.cfg.DataDir)
	}
	return positional, nil
}

// parseNoArgs is parse for a command without positional arguments.
func (f *caFlags) parseNoArgs(args []string) error {
	rest, err := f.parse(args)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected argument %q", rest[0])
	}
	return err
}

func (f *caFlags) open() (*ca.DevCA, error) { return ca.OpenDevCA(*f.dir, nil) }

// cmdCA runs `hall ca …`, writing what it did to out.
func cmdCA(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(caUsage)
	}
	switch args[0] {
	case "init":
		return caInit(args[1:], out)
	case "issue":
		return caIssue(args[1:], out)
	case "revoke":
		return caRevoke(args[1:], out)
	case "crl":
		return caCRL(args[1:], out)
	case "list":
		return caList(args[1:], out)
	}
	return fmt.Errorf("unknown command %q\n%s", "hall ca "+args[0], caUsage)
}

func caInit(args []string, out io.Writer) error {
	f, err := newCAFlags("init")
	if err != nil {
		return err
	}
	if err := f.parseNoArgs(args); err != nil {
		return err
	}
	d, err := ca.InitDevCA(*f.dir, f.cfg.BureauName, nil)
	if err != nil {
		return err
	}
	p := d.Paths()
	fmt.Fprintf(out, "已创建开发测试用CA（仅限开发）：%s\n  CA证书：%s\n  CA私钥：%s（仅本用户可读）\n  吊销列表：%s\n",
		p.Dir, p.Cert, p.Key, p.CRL)
	fmt.Fprintf(out, "CA登录配置：--ca-bundle %s --ca-crl %s\n", p.Cert, p.CRL)
	return nil
}

func caIssue(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(caUsage)
	}
	kind := ca.Kind(args[0])
	f, err := newCAFlags("issue " + args[0])
	if err != nil {
		return err
	}
	name := f.fs.String("name", "", "subject name: the unit's, the person's or the signer's")
	uscc := f.fs.String("uscc", "", "the unit's 统一社会信用代码")
	unitName := f.fs.String("unit-name", "", "person certificates: the name of the unit the person acts for")
	idNumber := f.fs.String("id-number", "", "person certificates: the person's 居民身份证 or 港澳台居民居住证 number")
	hosts := f.fs.String("host", "localhost,127.0.0.1", "server certificates: comma-separated host names and addresses")
	days := f.fs.Int("days", int(ca.DefaultDevValidity/(24*time.Hour)), "days of validity")
	outDir := f.fs.String("out", "", "directory for the certificate, key and PKCS#12 files (default CA-DIR/issued)")
	password := f.fs.String("password", "", "password of the PKCS#12 file (default: made up and printed)")
	encryption := f.fs.Bool("encryption", false, "unit and person certificates: the UKey's encryption certificate (no digitalSignature), which cannot log in")
	if err := f.parseNoArgs(args[1:]); err != nil {
		return err
	}
	if *days < 1 || *days > 3650 {
		return errors.New("--days must be between 1 and 3650")
	}
	if kind == ca.KindSigning && *name == "" {
		*name = f.cfg.BureauName
	}
	d, err := f.open()
	if err != nil {
		return err
	}
	if *outDir == "" {
		*outDir = d.Paths().Issued
	}
	now := time.Now()
	req := ca.IssueRequest{Kind: kind, Name: *name, USCC: *uscc, UnitName: *unitName, IDNumber: *idNumber,
		Fields: f.cfg.CA.Fields(), NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, *days),
		OutDir: *outDir, P12Password: *password, Encryption: *encryption}
	if kind == ca.KindServer {
		req.Hosts = splitList(*hosts)
	}
	is, err := d.Issue(req)
	if err != nil {
		return err
	}
	printIssued(out, is, *password == "")
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func printIssued(out io.Writer, is *ca.Issued, madeUpPassword bool) {
	e := is.Entry
	fmt.Fprintf(out, "已签发%s证书（开发测试用）\n  序列号：%s\n  主题：%s\n", kindLabel(e.Kind), e.Serial, e.Name)
	if e.USCC != "" {
		fmt.Fprintf(out, "  统一社会信用代码：%s\n", e.USCC)
	}
	if e.IDNumber != "" {
		fmt.Fprintf(out, "  身份证件号码：%s\n", e.IDNumber)
	}
	fmt.Fprintf(out, "  有效期：%s 至 %s（UTC）\n  证书（含CA证书）：%s\n  私钥：%s\n  PKCS#12：%s\n",
		e.NotBefore.Format(time.DateTime), e.NotAfter.Format(time.DateTime), is.CertFile, is.KeyFile, is.P12File)
	if madeUpPassword {
		fmt.Fprintf(out, "  PKCS#12密码：%s\n", is.P12Password)
	}
	switch e.Kind {
	case ca.KindUnit, ca.KindPerson:
		fmt.Fprintln(out, "导入浏览器：Chromium 设置 → 隐私和安全 → 安全 → 管理证书 → 您的证书 → 导入，选择上面的 .p12 文件并输入密码。")
	case ca.KindSigning:
		fmt.Fprintf(out, "权益单签名配置：--rights-signing-cert %s --rights-signing-key %s\n", is.CertFile, is.KeyFile)
	case ca.KindServer:
		fmt.Fprintf(out, "CA登录监听配置：--ca-login-tls-cert %s --ca-login-tls-key %s\n", is.CertFile, is.KeyFile)
	}
}

func kindLabel(k ca.Kind) string {
	switch k {
	case ca.KindUnit:
		return "单位"
	case ca.KindPerson:
		return "个人"
	case ca.KindSigning:
		return "文档签名"
	case ca.KindServer:
		return "服务器"
	}
	return string(k)
}

func caRevoke(args []string, out io.Writer) error {
	f, err := newCAFlags("revoke")
	if err != nil {
		return err
	}
	reasonName := f.fs.String("reason", "", "RFC 5280 reason: keyCompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, …")
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: hall ca revoke SERIAL [--reason R] [flags]")
	}
	reason, err := ca.ParseReason(*reasonName)
	if err != nil {
		return err
	}
	d, err := f.open()
	if err != nil {
		return err
	}
	e, err := d.Revoke(rest[0], reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "已吊销证书 %s（%s），吊销时间 %s（UTC）。\n运行 hall ca crl 发布新的吊销列表后，大厅在下次刷新吊销列表时拒绝该证书。\n",
		e.Serial, e.Name, e.RevokedAt.Format(time.DateTime))
	return nil
}

func caCRL(args []string, out io.Writer) error {
	f, err := newCAFlags("crl")
	if err != nil {
		return err
	}
	days := f.fs.Int("days", int(ca.DefaultDevCRLValidity/(24*time.Hour)), "days until the CRL's nextUpdate")
	if err := f.parseNoArgs(args); err != nil {
		return err
	}
	if *days < 1 || *days > 365 {
		return errors.New("--days must be between 1 and 365")
	}
	d, err := f.open()
	if err != nil {
		return err
	}
	info, err := d.PublishCRL(time.Duration(*days) * 24 * time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "已发布第%d号吊销列表，含%d张已吊销证书，下次更新时间 %s（UTC）。\n  PEM：%s\n  DER：%s\n",
		info.Number, info.Entries, info.NextUpdate.Format(time.DateTime), info.PEMFile, info.DERFile)
	return nil
}

func caList(args []string, out io.Writer) error {
	f, err := newCAFlags("list")
	if err != nil {
		return err
	}
	if err := f.parseNoArgs(args); err != nil {
		return err
	}
	d, err := f.open()
	if err != nil {
		return err
	}
	entries, err := d.Index()
	if err != nil {
		return err
	}
	for _, e := range entries {
		state := "有效"
		if e.RevokedAt != nil {
			state = "已吊销 " + e.RevokedAt.Format(time.DateOnly)
		}
		who := e.USCC
		if e.IDNumber != "" {
			who = strings.TrimSpace(e.IDNumber + " " + e.USCC)
		}
		name := e.Name
		if e.Kind == ca.KindPerson {
			name = ident.MaskName(name)
		}
		fmt.Fprintf(out, "%s\t%s\t%s\t%s\t至%s\t%s\n", e.Serial, kindLabel(e.Kind), name, who, e.NotAfter.Format(time.DateOnly), state)
	}
	fmt.Fprintf(out, "共%d张证书。\n", len(entries))
	return nil
}
