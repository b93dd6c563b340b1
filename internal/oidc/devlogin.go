package oidc

import (
	"context"
	"hall/internal/person"
	"html/template"
	"net/http"
	"net/url"

	"hall/internal/ident"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/unit"
)

// devLoginPage is the development provider's login page. It carries the
// authorization request's parameters in hidden fields, so the POST is checked
// like the GET.
var devLoginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}} · 登录</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem}
.dev{background:#fff3cd;border:1px solid #e0b000;padding:.5rem 1rem}
fieldset{margin:1rem 0}label{display:block;margin:.3rem 0}.err{color:#b00020}</style></head>
<body><p class="dev"><strong>开发环境</strong>：这是模拟的{{.Title}}，用于演示和测试，不连接真实的认证平台。</p>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<fieldset><legend>选择登录身份</legend>
{{range .Identities}}<label><input type="radio" name="identity" value="{{.Key}}"> {{.Label}}</label>{{end}}
<label><input type="radio" name="identity" value="manual" {{if not .Identities}}checked{{end}}> 其他身份（手工填写）</label>
</fieldset>
<fieldset><legend>手工填写</legend>
<label>证件号码 <input name="id_number" autocomplete="off"></label>
<label>姓名 <input name="name" autocomplete="off"></label>
<label>移动电话 <input name="mobile" autocomplete="off"></label>
<label>统一社会信用代码（单位登录时填写） <input name="uscc" autocomplete="off"></label>
<label>单位名称 <input name="unit_name" autocomplete="off"></label>
<label>身份 <select name="role"><option value="">（不提供）</option><option value="legal_rep">法定代表人</option>
<option value="admin">管理员</option><option value="agent">经办人</option></select></label>
</fieldset>
<button name="action" value="login">同意授权并登录</button>
<button name="action" value="cancel">取消</button>
</form></body></html>`))

type devIdentityOption struct {
	Label string
	Key   string
}

func (d *DevProvider) renderLogin(w http.ResponseWriter, r *http.Request, c devClient, q url.Values, msg string) {
	ids, err := d.cfg.Directory(r.Context())
	if err != nil {
		msg = "读取演示身份失败，请手工填写"
	}
	var opts []devIdentityOption
	for _, id := range ids {
		if c.cfg.Kind == KindLicence && id.USCC == "" {
			continue // a licence always names a unit
		}
		opts = append(opts, devIdentityOption{Label: id.Label, Key: devKey(id)})
	}
	params := map[string]string{}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
		"code_challenge", "code_challenge_method"} {
		params[k] = q.Get(k)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	w.WriteHeader(status)
	_ = devLoginPage.Execute(w, map[string]any{"Title": c.cfg.DisplayName, "Error": msg,
		"Params": params, "Identities": opts})
}

// devDirectoryLimit bounds each part of the demo directory.
const devDirectoryLimit = 40

// DBDirectory lists demo identities from the hall's own database for the
// development provider's login page: every non-revoked role of a person in a unit
// (unit logins), persons on their own (personal logins), and registry units with
// no account yet with their legal representative (a first login opens the account,
// R5). Development only: a real provider knows its own users.
func DBDirectory(db *store.DB) func(ctx context.Context) ([]DevIdentity, error) {
	parts := []struct {
		query string
		label func(id DevIdentity) string
	}{{
		`SELECT p.id, p.id_type, p.id_number, p.name, p.mobile, u.uscc, u.name, m.role
		FROM memberships m JOIN persons p ON p.id = m.person_id JOIN units u ON u.id = m.unit_id
		WHERE m.status <> 'revoked' ORDER BY u.id, m.id LIMIT ?`,
		func(id DevIdentity) string {
			return id.UnitName + " · " + id.Role.Label() + " " + ident.MaskName(id.Name) + "（" + ident.MaskID(id.IDNumber) + "）"
		},
	}, {
		`SELECT id, id_type, id_number, name, mobile, '', '', '' FROM persons ORDER BY id LIMIT ?`,
		func(id DevIdentity) string {
			return "个人 " + ident.MaskName(id.Name) + "（" + ident.MaskID(id.IDNumber) + "）"
		},
	}, {
		`SELECT 0, r.legal_rep_id_type, r.legal_rep_id_number, r.legal_rep_name, '', r.uscc, r.name, 'legal_rep'
		FROM registry_entries r WHERE r.status = 'active' AND NOT EXISTS (SELECT 1 FROM units u WHERE u.uscc = r.uscc)
		ORDER BY r.uscc LIMIT ?`,
		func(id DevIdentity) string {
			return id.UnitName + "（未开户）· 法定代表人 " + ident.MaskName(id.Name)
		},
	}}
	return func(ctx context.Context) ([]DevIdentity, error) {
		var out []DevIdentity
		for _, part := range parts {
			ids, err := queryIdentities(ctx, db, part.query)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				id.Label = part.label(id)
				out = append(out, id)
			}
		}
		return out, nil
	}
}

// queryIdentities runs one of DBDirectory's queries: each row begins with the
// person's id, whose identity columns are sealed (person.SealedIdentity), or 0 for a
// registry entry's legal representative, whose ID number and name are sealed for
// the entry's USCC (registry.OpenLegalRep).
func queryIdentities(ctx context.Context, db *store.DB, q string) ([]DevIdentity, error) {
	rows, err := db.Query(ctx, q, devDirectoryLimit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DevIdentity
	for rows.Next() {
		var id DevIdentity
		var role string
		var personID int64
		var columns person.SealedIdentity
		if err := rows.Scan(&personID, &id.IDType, &columns.IDNumber, &columns.Name, &columns.Mobile, &id.USCC, &id.UnitName,
			&role); err != nil {
			return nil, err
		}
		if personID == 0 {
			id.IDNumber, id.Name, err = registry.OpenLegalRep(db.Keys(), id.USCC, columns.IDNumber.Bytes, columns.Name.Bytes)
			if err != nil {
				return nil, err
			}
		} else {
			opened, err := columns.Open(db.Keys(), personID)
			if err != nil {
				return nil, err
			}
			id.IDNumber, id.Name, id.Mobile = opened.IDNumber, opened.Name, opened.Mobile
		}
		id.Role = unit.Role(role)
		out = append(out, id)
	}
	return out, rows.Err()
}
