package flow

import "context"

// Load reads the flow id of kind for binding (Store.Get) and decodes its data into a
// T: the first thing each step of a package built on flows does. The store's errors
// come back as the package's own (errs.Map), so its callers never see the store's.
//
// Errors: errs' for the store's sentinels; a failure to decode the data; otherwise
// database failures.
func Load[T any](ctx context.Context, s *Store, id, kind, binding string, errs Errors) (*Flow, T, error) {
	var zero T
	f, err := s.Get(ctx, id, kind, binding)
	if err != nil {
		return nil, zero, errs.Map(err)
	}
	var data T
	if err := f.Decode(&data); err != nil {
		return nil, zero, err
	}
	return f, data, nil
}
