package bench

import (
	"strings"
	"testing"
)

func TestReadAccounts(t *testing.T) {
	got, err := ReadAccounts(strings.NewReader("account,login,password\n" +
		"# the legal rep\n91321281MA307HBQXQ,321281198605271518,Demo#2026hall\n,13335110780,p,w\"d\n"))
	if err == nil {
		t.Fatalf("a line of four fields was read: %+v", got)
	}
	got, err = ReadAccounts(strings.NewReader("account,login,password\n" +
		"# the legal rep\n91321281MA307HBQXQ,321281198605271518,Demo#2026hall\n,13335110780,\"a,b\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Account{{"91321281MA307HBQXQ", "321281198605271518", "Demo#2026hall"}, {"", "13335110780", "a,b"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("accounts = %+v, want %+v", got, want)
	}
	if !got[0].Unit() || got[1].Unit() {
		t.Error("a line with an account is a unit login, one without a personal login")
	}
	for _, bad := range []string{"", "account,login,password\n", "9132,,pw\n"} {
		if _, err := ReadAccounts(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadAccounts(%q) accepted", bad)
		}
	}
}

func TestForUnit(t *testing.T) {
	got, err := ForUnit(DemoAccounts(), "91321281MA307HBQXQ")
	if err != nil || len(got) != 2 {
		t.Fatalf("ForUnit = %+v, %v; want the demo's two logins of the first unit", got, err)
	}
	for _, a := range got {
		if a.Account != "91321281MA307HBQXQ" {
			t.Errorf("login %+v of another unit", a)
		}
	}
	if _, err := ForUnit(DemoAccounts(), "91320282945013927X"); err == nil {
		t.Error("a unit with no login accepted")
	}
}
