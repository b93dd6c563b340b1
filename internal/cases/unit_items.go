package cases

import "context"

// UnitItems lists the active catalog items a unit may apply for, in catalog
// order (category, then item): what an agent can be granted, and the business list
// that 可办理业务 lists. The catalog is small: a few pages of
// MaxPerPage.
func (c *Catalog) UnitItems(ctx context.Context) ([]Item, error) {
	var out []Item
	for page := 1; ; page++ {
		items, total, err := c.List(ctx, Filter{Applicant: ApplicantUnit, Page: page, PerPage: MaxPerPage})
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if len(items) == 0 || len(out) >= total || page >= Pages(total, MaxPerPage) {
			return out, nil
		}
	}
}

// UnitItemNames maps the codes of UnitItems to their names.
func (c *Catalog) UnitItemNames(ctx context.Context) (map[string]string, error) {
	items, err := c.UnitItems(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(items))
	for _, it := range items {
		out[it.Code] = it.Name
	}
	return out, nil
}
