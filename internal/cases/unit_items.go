package cases

import "context"

// UnitItems lists the active catalog items a unit may apply for, in catalog
// order (category, then item): what an agent can be granted, and the business list
// that 可办理业务 lists. It is one read of List's query without its count and
// paging: the catalog is small, and the list is read on every page of the unit
// center's business list.
func (c *Catalog) UnitItems(ctx context.Context) ([]Item, error) {
	where, args := Filter{Applicant: ApplicantUnit}.where()
	return c.queryItems(ctx, "SELECT "+itemColumns+` FROM catalog_items i
		JOIN catalog_categories c ON c.code = i.category_code`+where+
		" ORDER BY c.sort, i.sort, i.code", args...)
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
