package cases

import (
	"context"
	"fmt"
	"strings"

	"hall/internal/store"
)

// seedLockKey serializes Seed across server processes on PostgreSQL ("catl").
const seedLockKey = 1667331180

// Seed writes the built-in catalog, inserting missing entries and updating changed
// ones, in one transaction; it is safe to run at every start and from several
// processes at once. Items that left the built-in catalog are kept but marked
// inactive (cases and grants may refer to them); materials and topic memberships are
// replaced by the built-in ones. Running it twice leaves the same rows.
func (c *Catalog) Seed(ctx context.Context) error {
	return c.seed(ctx, builtinCategories, builtinItems, builtinTopics)
}

func (c *Catalog) seed(ctx context.Context, cats []Category, items []Item, topics []seedTopic) error {
	if err := checkSeed(cats, items, topics); err != nil {
		return err
	}
	return c.db.Tx(ctx, func(tx *store.Tx) error {
		if c.db.Engine == store.Postgres {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", seedLockKey); err != nil {
				return fmt.Errorf("cases: seed lock: %w", err)
			}
		}
		for _, cat := range cats {
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_categories (code, name, sort) VALUES (?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, sort = excluded.sort`,
				cat.Code, cat.Name, cat.Sort); err != nil {
				return fmt.Errorf("cases: seed category %s: %w", cat.Code, err)
			}
		}
		codes := make([]any, 0, len(items))
		for i, it := range items {
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_items (code, category_code, name, applicant,
					channel, case_type, legal_days, promised_days, visits, notes, hot, active, sort)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
				ON CONFLICT (code) DO UPDATE SET category_code = excluded.category_code,
					name = excluded.name, applicant = excluded.applicant, channel = excluded.channel,
					case_type = excluded.case_type, legal_days = excluded.legal_days,
					promised_days = excluded.promised_days, visits = excluded.visits,
					notes = excluded.notes, hot = excluded.hot, active = 1, sort = excluded.sort`,
				it.Code, it.Category, it.Name, string(it.Applicant), string(it.Channel), string(it.CaseType),
				it.LegalDays, it.PromisedDays, it.Visits, it.Notes, it.Hot, i+1); err != nil {
				return fmt.Errorf("cases: seed item %s: %w", it.Code, err)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM catalog_materials WHERE item_code = ?", it.Code); err != nil {
				return fmt.Errorf("cases: seed materials of %s: %w", it.Code, err)
			}
			for j, m := range it.Materials {
				if _, err := tx.Exec(ctx, `INSERT INTO catalog_materials (item_code, seq, name, form, copies, required, note)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, it.Code, j+1, m.Name, m.Form, m.Copies, boolInt(m.Required), m.Note); err != nil {
					return fmt.Errorf("cases: seed material %s/%d: %w", it.Code, j+1, err)
				}
			}
			codes = append(codes, it.Code)
		}
		retire := "UPDATE catalog_items SET active = 0, hot = 0"
		if len(codes) > 0 {
			retire += " WHERE code NOT IN (" + placeholders(len(codes)) + ")"
		}
		if _, err := tx.Exec(ctx, retire, codes...); err != nil {
			return fmt.Errorf("cases: retire items: %w", err)
		}

		// Topics: memberships are rebuilt; topics that left the built-in list go.
		if _, err := tx.Exec(ctx, "DELETE FROM catalog_item_topics"); err != nil {
			return fmt.Errorf("cases: seed topics: %w", err)
		}
		tcodes := make([]any, 0, len(topics))
		for i, t := range topics {
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_topics (code, kind, name, summary, sort) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name,
					summary = excluded.summary, sort = excluded.sort`,
				t.Code, string(t.Kind), t.Name, t.Summary, i+1); err != nil {
				return fmt.Errorf("cases: seed topic %s: %w", t.Code, err)
			}
			for _, item := range t.Items {
				if _, err := tx.Exec(ctx, "INSERT INTO catalog_item_topics (topic_code, item_code) VALUES (?, ?)",
					t.Code, item); err != nil {
					return fmt.Errorf("cases: seed topic %s item %s: %w", t.Code, item, err)
				}
			}
			tcodes = append(tcodes, t.Code)
		}
		drop := "DELETE FROM catalog_topics"
		if len(tcodes) > 0 {
			drop += " WHERE code NOT IN (" + placeholders(len(tcodes)) + ")"
		}
		if _, err := tx.Exec(ctx, drop, tcodes...); err != nil {
			return fmt.Errorf("cases: retire topics: %w", err)
		}
		return nil
	})
}

// checkSeed catches mistakes in the built-in data before they reach the database.
func checkSeed(cats []Category, items []Item, topics []seedTopic) error {
	catOK := map[string]bool{}
	for _, c := range cats {
		catOK[c.Code] = true
	}
	itemOK := map[string]bool{}
	names := map[string]bool{}
	for _, it := range items {
		switch {
		case itemOK[it.Code]:
			return fmt.Errorf("cases: item code %s twice", it.Code)
		case names[it.Name]:
			return fmt.Errorf("cases: item name %s twice", it.Name)
		case !catOK[it.Category]:
			return fmt.Errorf("cases: item %s has unknown category %s", it.Code, it.Category)
		case !strings.HasPrefix(it.Code, it.Category+"-"):
			return fmt.Errorf("cases: item %s does not start with its category %s", it.Code, it.Category)
		case it.CaseType == CaseInstant && it.PromisedDays != 0:
			return fmt.Errorf("cases: item %s is 即办件 with a promised period", it.Code)
		case it.CaseType == CasePromised && it.PromisedDays == 0:
			return fmt.Errorf("cases: item %s is 承诺件 without a promised period", it.Code)
		case it.LegalDays > 0 && it.PromisedDays > it.LegalDays:
			return fmt.Errorf("cases: item %s promises more than the legal period", it.Code)
		case it.Applicant.Label() == string(it.Applicant) || it.Channel.Label() == string(it.Channel) || it.CaseType.Label() == string(it.CaseType):
			return fmt.Errorf("cases: item %s has a bad applicant, channel or case type", it.Code)
		}
		itemOK[it.Code] = true
		names[it.Name] = true
	}
	for _, t := range topics {
		if t.Kind != TopicPersona && t.Kind != TopicTheme {
			return fmt.Errorf("cases: topic %s has bad kind %q", t.Code, t.Kind)
		}
		seen := map[string]bool{}
		for _, code := range t.Items {
			if !itemOK[code] || seen[code] {
				return fmt.Errorf("cases: topic %s lists unknown or repeated item %s", t.Code, code)
			}
			seen[code] = true
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// placeholders returns "?, ?, …" with n marks (n >= 1).
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
