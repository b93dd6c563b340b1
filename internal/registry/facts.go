package registry

import (
	"log/slog"
	"strings"

	"hall/internal/ident"
	"hall/internal/person"
)

// Facts are a unit and its legal rep as a flow that opens the unit's online
// account keeps them (法定代表人注册, 历史单位用户升级), in the flow's saved data:
// what the registry says (Entry.Facts), or, in a registration until the registry
// was compared, what was typed.
type Facts struct {
	USCC             string       `json:"uscc"`
	UnitName         string       `json:"unit_name"`
	UnitType         string       `json:"unit_type"`
	Region           string       `json:"region"`
	Address          string       `json:"address,omitempty"`
	LegalRepIDType   ident.IDType `json:"legal_rep_id_type"`
	LegalRepIDNumber string       `json:"legal_rep_id_number"`
	LegalRepName     string       `json:"legal_rep_name"`
}

// Facts are e's facts, the unit type by its label and the legal rep's name in the
// form person accounts keep (the registry's own text, trimmed, when it does not
// normalise).
func (e Entry) Facts() Facts {
	name, ok := person.NormalizeName(e.LegalRepName)
	if !ok {
		name = strings.TrimSpace(e.LegalRepName)
	}
	return Facts{USCC: e.USCC, UnitName: e.Name, UnitType: e.UnitType.Label(), Region: e.Region, Address: e.Address,
		LegalRepIDType: e.LegalRepIDType, LegalRepIDNumber: e.LegalRepIDNumber, LegalRepName: name}
}

// LogValue keeps the legal representative's personal data out of logs, as Entry's.
func (f Facts) LogValue() slog.Value { return slog.StringValue(f.USCC) }
