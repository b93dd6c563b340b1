package unit

import (
	"strconv"

	"hall/internal/audit"
	"hall/internal/ident"
)

// OpenedEntry is the audit record of unit u's account opened online by personID in
// role: by its legal rep through 法定代表人注册 or a unified login (action
// "unit.register"), or by its new administrator through 历史单位用户升级
// ("unit.upgrade"). Every such record names the unit alike, so that the back office
// finds the opening of a unit whichever way it came: the target is the unit, and
// the detail has its masked USCC, its unit number and the channel it came through
// ("online", "oidc", "legacy-upgrade"), with the caller's own keys (extra) beside
// them.
func OpenedEntry(u Unit, personID int64, role Role, action, channel, clientAddr string, extra map[string]string) audit.Entry {
	detail := make(map[string]string, len(extra)+3)
	for k, v := range extra {
		detail[k] = v
	}
	// Set last: the keys every opening shares are not the caller's to change.
	detail["uscc"], detail["unit_number"], detail["channel"] = ident.MaskUSCC(u.USCC), u.UnitNumber, channel
	return audit.Entry{PersonID: personID, UnitID: u.ID, Role: string(role), Action: action,
		Target: "unit:" + strconv.FormatInt(u.ID, 10), Result: audit.Success, ClientIP: clientAddr, Detail: detail}
}
