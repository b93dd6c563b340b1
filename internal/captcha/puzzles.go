package captcha

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"hall/internal/store"
	"hall/internal/token"
)

// Puzzles draws slider puzzles and keeps their answers and pass tokens in the
// database, so that any process of the hall can check a solution drawn by another.
type Puzzles struct {
	db  *store.DB
	cfg Config
	now func() time.Time
	// seed returns the seed of the next picture: crypto/rand, except in tests
	// that need the same pictures on every run.
	seed func() [32]byte
}

// NewPuzzles returns a Puzzles on db with cfg (zero fields take the defaults) and
// the clock now (nil means time.Now). The error is cfg.Validate's.
func NewPuzzles(db *store.DB, cfg Config, now func() time.Time) (*Puzzles, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Puzzles{db: db, cfg: cfg.withDefaults(), now: now, seed: randomSeed}, nil
}

// Config returns the effective configuration (defaults filled in).
func (p *Puzzles) Config() Config { return p.cfg }

func (p *Puzzles) clock() time.Time { return store.Time(p.now()) }

// New draws a challenge for purpose (see the Purpose constants), bound to binding:
// a secret of the browser session asking (for example its session or visitor
// cookie value), which Verify and Redeem must present again. Only its hash is
// stored, with the gap's position.
//
// Errors: ErrInvalid for an empty binding or a malformed purpose; a *TooManyError
// (ErrTooMany), with when the binding may draw again, when the binding drew MaxPerBinding challenges within the last TTL (exact on SQLite,
// approximate under concurrency on PostgreSQL); otherwise database failures.
func (p *Puzzles) New(ctx context.Context, purpose, binding string) (Challenge, error) {
	if binding == "" {
		return Challenge{}, fmt.Errorf("%w: empty binding", ErrInvalid)
	}
	if !validPurpose(purpose) {
		return Challenge{}, fmt.Errorf("%w: purpose %q", ErrInvalid, purpose)
	}
	// #nosec G404 -- the seed comes from crypto/rand; ChaCha8 only draws the picture from it reproducibly.
	pz := drawPuzzle(rand.New(rand.NewChaCha8(p.seed())))
	bg, err := encodePNG(pz.bg)
	if err != nil {
		return Challenge{}, fmt.Errorf("captcha: encode background: %w", err)
	}
	piece, err := encodePNG(pz.piece)
	if err != nil {
		return Challenge{}, fmt.Errorf("captcha: encode piece: %w", err)
	}
	now := p.clock()
	ch := Challenge{
		ID: token.New(), Purpose: purpose, BackgroundPNG: bg, PiecePNG: piece, PieceY: pz.y,
		Width: Width, Height: Height, PieceWidth: PieceSize, PieceHeight: PieceSize, MaxX: MaxX,
		CreatedAt: now, ExpiresAt: store.Time(now.Add(p.cfg.TTL)),
	}
	bh := token.Hash(binding)
	err = p.db.Tx(ctx, func(tx *store.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM captcha_challenges
			WHERE binding_hash = ? AND created_at > ?`, bh, store.Time(now.Add(-p.cfg.TTL))).Scan(&n)
		if err != nil {
			return fmt.Errorf("captcha: count challenges: %w", err)
		}
		if n >= p.cfg.MaxPerBinding {
			// The binding may draw again when enough of its challenges have aged
			// out of the window for the count to fall below the limit.
			var oldest time.Time
			err := tx.QueryRow(ctx, `SELECT created_at FROM captcha_challenges
				WHERE binding_hash = ? AND created_at > ? ORDER BY created_at LIMIT 1 OFFSET ?`,
				bh, store.Time(now.Add(-p.cfg.TTL)), n-p.cfg.MaxPerBinding).Scan(&oldest)
			if err != nil {
				return fmt.Errorf("captcha: oldest challenge: %w", err)
			}
			return &TooManyError{Until: oldest.Add(p.cfg.TTL).UTC()}
		}
		_, err = tx.Exec(ctx, `INSERT INTO captcha_challenges
			(id, purpose, binding_hash, answer_x, answer_y, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ch.ID, purpose, bh, pz.x, pz.y, ch.CreatedAt, ch.ExpiresAt)
		if err != nil {
			return fmt.Errorf("captcha: save challenge: %w", err)
		}
		return nil
	})
	if err != nil {
		return Challenge{}, err
	}
	return ch, nil
}

// Verify checks the solution a for challenge id from the browser with binding.
// The first Verify of a challenge uses it up, right or wrong (so a solver gets
// one guess per picture), and of concurrent Verifys at most one succeeds. On
// success it returns a pass token for Redeem: 32 random bytes in base64url, stored
// only as a hash, valid for PassTTL.
//
// Errors: ErrNotFound for an unknown ID or another binding (which does not use the
// challenge up); ErrExpired when the challenge is older than TTL; ErrUsed when it
// was verified before; ErrWrong (wrapped, with the reason for the log) when the
// solution is refused; otherwise database failures.
func (p *Puzzles) Verify(ctx context.Context, id, binding string, a Answer) (string, error) {
	if !token.Valid(id) || binding == "" {
		return "", ErrNotFound
	}
	bh := token.Hash(binding)
	var pass, refused string
	err := p.db.Tx(ctx, func(tx *store.Tx) error {
		now := p.clock()
		// Claim the challenge before judging: whatever the outcome, it is used.
		var ax, ay int
		err := tx.QueryRow(ctx, `UPDATE captcha_challenges SET used_at = ?, result = 'failed'
			WHERE id = ? AND binding_hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING answer_x, answer_y`, now, id, bh, now).Scan(&ax, &ay)
		if errors.Is(err, sql.ErrNoRows) {
			return p.whyNotClaimed(ctx, tx, id, bh, now)
		}
		if err != nil {
			return fmt.Errorf("captcha: claim challenge: %w", err)
		}
		if refused = judge(p.cfg, ax, a); refused != "" {
			return nil // commit the claim: the failure uses the challenge up
		}
		tok := token.New()
		_, err = tx.Exec(ctx, `UPDATE captcha_challenges SET result = 'passed', pass_hash = ?, pass_expires_at = ?
			WHERE id = ?`, token.Hash(tok), store.Time(now.Add(p.cfg.PassTTL)), id)
		if err != nil {
			return fmt.Errorf("captcha: save pass: %w", err)
		}
		pass = tok
		return nil
	})
	if err != nil {
		return "", err
	}
	if refused != "" {
		return "", fmt.Errorf("%w: %s", ErrWrong, refused)
	}
	return pass, nil
}

// randomSeed seeds a picture from crypto/rand: the gap's position is the secret.
func randomSeed() (seed [32]byte) {
	_, _ = crand.Read(seed[:]) // never fails (it aborts the program instead)
	return seed
}

// whyNotClaimed says why the claim of challenge id found no row.
func (p *Puzzles) whyNotClaimed(ctx context.Context, tx *store.Tx, id, bh string, now time.Time) error {
	var (
		rowBH   string
		used    sql.NullTime
		expires time.Time
	)
	err := tx.QueryRow(ctx, `SELECT binding_hash, used_at, expires_at FROM captcha_challenges WHERE id = ?`, id).
		Scan(&rowBH, &used, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("captcha: read challenge: %w", err)
	case !token.Equal(rowBH, bh):
		return ErrNotFound
	case used.Valid:
		return ErrUsed
	case !now.Before(expires.UTC()):
		return ErrExpired
	}
	return fmt.Errorf("captcha: challenge %s could not be claimed", id) // not reached
}

// Redeem consumes passToken for a form of purpose submitted by the browser with
// binding, exactly once. Use RedeemTx to consume it in the transaction of the step
// it guards.
//
// Errors: ErrNotFound for an empty, unknown or malformed token, or one of another
// purpose or binding (which does not consume it); ErrExpired when it is older than
// PassTTL; ErrUsed when it was redeemed before; otherwise database failures.
func (p *Puzzles) Redeem(ctx context.Context, passToken, purpose, binding string) error {
	return p.db.Tx(ctx, func(tx *store.Tx) error { return p.RedeemTx(ctx, tx, passToken, purpose, binding) })
}

// RedeemTx is Redeem inside the caller's transaction, so that the token is spent
// only if the step it guards commits. Errors: as Redeem; after a database failure
// the caller's transaction must fail.
func (p *Puzzles) RedeemTx(ctx context.Context, tx *store.Tx, passToken, purpose, binding string) error {
	if tx == nil {
		return fmt.Errorf("%w: RedeemTx needs a transaction", ErrInvalid)
	}
	if !token.Valid(passToken) || binding == "" || !validPurpose(purpose) {
		return ErrNotFound
	}
	now := p.clock()
	ph, bh := token.Hash(passToken), token.Hash(binding)
	res, err := tx.Exec(ctx, `UPDATE captcha_challenges SET redeemed_at = ?
		WHERE pass_hash = ? AND purpose = ? AND binding_hash = ? AND redeemed_at IS NULL AND pass_expires_at > ?`,
		now, ph, purpose, bh, now)
	if err != nil {
		return fmt.Errorf("captcha: redeem: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("captcha: redeem: %w", err)
	} else if n == 1 {
		return nil
	}
	var (
		rowPurpose, rowBH string
		redeemed          sql.NullTime
	)
	err = tx.QueryRow(ctx, `SELECT purpose, binding_hash, redeemed_at FROM captcha_challenges WHERE pass_hash = ?`, ph).
		Scan(&rowPurpose, &rowBH, &redeemed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("captcha: read pass: %w", err)
	case rowPurpose != purpose || !token.Equal(rowBH, bh):
		return ErrNotFound
	case redeemed.Valid:
		return ErrUsed
	}
	return ErrExpired
}

// Sweep deletes challenges whose challenge and pass token both expired more than
// olderThan ago, and returns how many. Errors: database failures only.
func (p *Puzzles) Sweep(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := store.Time(p.now().Add(-max(olderThan, 0)))
	res, err := p.db.Exec(ctx, `DELETE FROM captcha_challenges
		WHERE expires_at < ? AND (pass_expires_at IS NULL OR pass_expires_at < ?)`, cutoff, cutoff)
	if err != nil {
		return 0, fmt.Errorf("captcha: sweep: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
