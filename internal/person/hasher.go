package person

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// ErrBusy is returned by the Hasher when no hashing slot became free within
// HashConfig.MaxWait. It means the server is saturated: the web layer answers
// 503 at once instead of queueing the request until the client gives up.
var ErrBusy = errors.New("person: password hashing is saturated, try again later")

// HashConfig holds the argon2id parameters and the concurrency limits.
type HashConfig struct {
	// Memory is the argon2 memory cost in KiB, Time the number of passes and
	// Threads the lanes (parallelism) of one hash.
	Memory  uint32
	Time    uint32
	Threads uint8
	// SaltLen and KeyLen are in bytes.
	SaltLen uint32
	KeyLen  uint32
	// MaxConcurrent caps how many hashes run at once; 0 means runtime.NumCPU().
	// A hash is CPU- and memory-bandwidth-bound, so running more than one per core
	// only makes every login slower (QUALITY.md: capped at the core count).
	MaxConcurrent int
	// MaxWait is how long a caller may wait for a slot before getting ErrBusy;
	// 0 means DefaultMaxWait.
	MaxWait time.Duration
}

// DefaultMaxWait bounds the queueing delay of a login under overload.
const DefaultMaxWait = 2 * time.Second

// DefaultHashConfig is OWASP's first argon2id recommendation: m=19 MiB, t=2, p=1,
// with a 16-byte salt and a 32-byte key.
func DefaultHashConfig() HashConfig {
	return HashConfig{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Floors and ceilings of Validate. The floor is the weakest of OWASP's
// equivalent argon2id settings (m=7 MiB with t=5 has m×t ≈ 35 MiB·passes):
// configuration may trade memory for passes but not weaken the hash. The
// ceilings keep one hash from exhausting memory (see also the parse limits in
// phc.go, which bound what a stored hash may demand).
const (
	minMemoryKiB     = 7 * 1024
	minMemoryTimeKiB = 7 * 1024 * 5
	maxMemoryKiB     = 1 << 20 // 1 GiB
	maxTime          = 16
	maxThreads       = 16
	minSaltLen       = 16
	maxSaltLen       = 64
	minKeyLen        = 16
	maxKeyLen        = 64
)

// Validate reports parameters that argon2 cannot use or that are weaker than
// the floor. The message is for operators (start-up configuration).
func (c HashConfig) Validate() error {
	var errs []error
	if c.Threads < 1 || c.Threads > maxThreads {
		errs = append(errs, fmt.Errorf("threads %d not in 1..%d", c.Threads, maxThreads))
	}
	if c.Time < 1 || c.Time > maxTime {
		errs = append(errs, fmt.Errorf("time %d not in 1..%d", c.Time, maxTime))
	}
	if c.Memory < minMemoryKiB || c.Memory > maxMemoryKiB {
		errs = append(errs, fmt.Errorf("memory %d KiB not in %d..%d", c.Memory, minMemoryKiB, maxMemoryKiB))
	}
	if uint64(c.Memory)*uint64(c.Time) < minMemoryTimeKiB {
		errs = append(errs, fmt.Errorf("memory×time %d below the floor %d (OWASP)", uint64(c.Memory)*uint64(c.Time), minMemoryTimeKiB))
	}
	if c.Memory < 8*uint32(c.Threads) {
		errs = append(errs, fmt.Errorf("memory %d KiB below 8 KiB per thread", c.Memory))
	}
	if c.SaltLen < minSaltLen || c.SaltLen > maxSaltLen {
		errs = append(errs, fmt.Errorf("salt length %d not in %d..%d", c.SaltLen, minSaltLen, maxSaltLen))
	}
	if c.KeyLen < minKeyLen || c.KeyLen > maxKeyLen {
		errs = append(errs, fmt.Errorf("key length %d not in %d..%d", c.KeyLen, minKeyLen, maxKeyLen))
	}
	if c.MaxConcurrent < 0 {
		errs = append(errs, fmt.Errorf("max concurrent %d is negative", c.MaxConcurrent))
	}
	if c.MaxWait < 0 {
		errs = append(errs, fmt.Errorf("max wait %s is negative", c.MaxWait))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("person: invalid password hash config: %w", err)
	}
	return nil
}

// Hasher hashes and verifies passwords with argon2id, at most MaxConcurrent at
// a time. It is safe for concurrent use.
type Hasher struct {
	cfg     HashConfig
	sem     chan struct{}
	maxWait time.Duration
	// dummy is a well-formed hash with the current parameters that no password
	// matches (its key is all zeros); Dummy verifies against it.
	dummy params
}

// NewHasher validates cfg and returns a Hasher.
func NewHasher(cfg HashConfig) (*Hasher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newHasher(cfg)
}

// newHasher is NewHasher without the floor, for tests that need many hashes
// quickly (under the race detector one default hash takes about a second).
func newHasher(cfg HashConfig) (*Hasher, error) {
	n := cfg.MaxConcurrent
	if n == 0 {
		n = runtime.NumCPU()
	}
	wait := cfg.MaxWait
	if wait == 0 {
		wait = DefaultMaxWait
	}
	salt := make([]byte, cfg.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("person: dummy salt: %w", err)
	}
	return &Hasher{
		cfg:     cfg,
		sem:     make(chan struct{}, n),
		maxWait: wait,
		dummy: params{memory: cfg.Memory, time: cfg.Time, threads: cfg.Threads,
			salt: salt, key: make([]byte, cfg.KeyLen)},
	}, nil
}

// acquire takes a hashing slot. It returns ErrBusy after maxWait, or ctx's error
// when ctx ends first.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

// Occupy takes every hashing slot, after the hashes in progress have finished, and
// returns the function that gives them back. Meanwhile Hash, Verify and Dummy fail
// with ErrBusy after MaxWait, exactly as on a saturated server, so that a caller's
// overload path (a flow that must not lose a one-time code to a busy hasher, say)
// can be exercised in tests without racing real hashes. release is idempotent.
func (h *Hasher) Occupy() (release func()) {
	for range cap(h.sem) {
		h.sem <- struct{}{}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			for range cap(h.sem) {
				<-h.sem
			}
		})
	}
}

// key runs argon2id under the semaphore.
func (h *Hasher) key(ctx context.Context, p params, password string) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer h.release()
	// #nosec G115 -- p.key is at most 64 bytes: parsePHC (parseMaxKey) and Validate (maxKeyLen) bound it.
	return argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key))), nil
}

// Hash returns the PHC string of password with a fresh random salt and the
// configured parameters. Errors: ErrBusy when no slot freed up within MaxWait,
// ctx's error when ctx ended while waiting, or a failure of the random source.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	p := params{memory: h.cfg.Memory, time: h.cfg.Time, threads: h.cfg.Threads,
		salt: make([]byte, h.cfg.SaltLen)}
	if _, err := rand.Read(p.salt); err != nil {
		return "", fmt.Errorf("person: salt: %w", err)
	}
	p.key = make([]byte, h.cfg.KeyLen)
	k, err := h.key(ctx, p, password)
	if err != nil {
		return "", err
	}
	p.key = k
	return p.String(), nil
}

// Verify reports whether password matches the PHC string phc, comparing the
// keys in constant time, and whether phc should be replaced by a new Hash
// because its parameters differ from the configured ones. needsRehash is only
// meaningful when ok is true. Errors: ErrMalformedHash (wrapped) when phc is not
// an argon2id PHC string within the parse limits; ErrBusy or ctx's error as for
// Hash. A wrong password is ok=false with a nil error.
func (h *Hasher) Verify(ctx context.Context, phc, password string) (ok, needsRehash bool, err error) {
	p, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	k, err := h.key(ctx, p, password)
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(k, p.key) == 1
	needsRehash = p.memory != h.cfg.Memory || p.time != h.cfg.Time || p.threads != h.cfg.Threads ||
		len(p.salt) != int(h.cfg.SaltLen) || len(p.key) != int(h.cfg.KeyLen)
	return ok, needsRehash, nil
}

// Dummy does the work of one Verify with the configured parameters and throws
// the result away, so that a login for an unknown account costs the same time
// (and takes the same slot) as a wrong password. Errors: ErrBusy or ctx's
// error as for Hash.
func (h *Hasher) Dummy(ctx context.Context) error {
	k, err := h.key(ctx, h.dummy, "dummy password")
	if err != nil {
		return err
	}
	subtle.ConstantTimeCompare(k, h.dummy.key)
	return nil
}
