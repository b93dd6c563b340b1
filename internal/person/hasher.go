package person

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// ErrBusy is returned by the Hasher when it is saturated: by Admit when the
// admission bound is reached (the web layer answers 429 at once, with no hashing
// and no database work), and by Hash, Verify and Dummy when no hashing slot became
// free within HashConfig.MaxWait (503 instead of queueing the request until the
// client gives up).
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
	// 0 means DefaultMaxWait. It is also the latency budget of admission (Admit):
	// the queue admitted behind the slots is what they work off within MaxWait.
	MaxWait time.Duration
	// MaxQueued is how many admitted logins may wait behind the busy slots (Admit);
	// 0 means derived from MaxWait and the measured hash time (AdmissionBound).
	MaxQueued int
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
	if c.MaxQueued < 0 {
		errs = append(errs, fmt.Errorf("max queued %d is negative", c.MaxQueued))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("person: invalid password hash config: %w", err)
	}
	return nil
}

// Hasher hashes and verifies passwords with argon2id, at most MaxConcurrent at
// a time, and admits logins (Admit) only as many as it can serve within MaxWait.
// It is safe for concurrent use.
type Hasher struct {
	cfg     HashConfig
	sem     chan struct{}
	maxWait time.Duration
	// dummy is a well-formed hash with the current parameters that no password
	// matches (its key is all zeros); Dummy verifies against it.
	dummy params

	// admitted counts the logins Admit let in and not yet released; peak is its
	// high-water mark. hashes counts argon2id computations begun, refused the
	// logins Admit turned away, hashTime the moving average of one hash in
	// nanoseconds (the admission bound follows it).
	admitted, peak  atomic.Int64
	hashes, refused atomic.Int64
	hashTime        atomic.Int64
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
	h := &Hasher{
		cfg:     cfg,
		sem:     make(chan struct{}, n),
		maxWait: wait,
		dummy: params{memory: cfg.Memory, time: cfg.Time, threads: cfg.Threads,
			salt: salt, key: make([]byte, cfg.KeyLen)},
	}
	h.hashTime.Store(int64(initialHashTime(cfg)))
	return h, nil
}

// referenceHashTime is one hash with DefaultHashConfig on one core of a 2-core
// machine, two hashes running at once (QUALITY.md: 20–26 ms). Until the first
// hashes are measured, the admission bound assumes a hash costs this, scaled by
// memory × passes, which is what argon2id's work grows with.
const referenceHashTime = 26 * time.Millisecond

// initialHashTime is the admission's estimate of one hash with cfg before any is
// measured.
func initialHashTime(cfg HashConfig) time.Duration {
	ref := DefaultHashConfig()
	work := float64(cfg.Memory) * float64(cfg.Time) / (float64(ref.Memory) * float64(ref.Time))
	return max(time.Microsecond, time.Duration(work*float64(referenceHashTime)))
}

// maxQueuedPerSlot caps the derived queue, so that a tiny measured hash time
// cannot admit without bound.
const maxQueuedPerSlot = 1 << 12

// AdmissionBound is how many logins may be admitted at once (hashing, waiting for
// a slot, or doing their database work around the hash): the slots, plus a queue
// of slots × floor(budget / hashTime) — what the slots work off within the
// latency budget, so that an admitted login gets its slot in time — at least one
// waiting login per slot and at most maxQueuedPerSlot. queued > 0 sets the queue
// instead (configuration).
func AdmissionBound(slots, queued int, budget, hashTime time.Duration) int {
	if queued > 0 {
		return slots + queued
	}
	perSlot := maxQueuedPerSlot
	if hashTime > 0 {
		perSlot = int(min(int64(budget/hashTime), maxQueuedPerSlot))
	}
	return slots + slots*max(1, perSlot)
}

// Bound is the current admission bound (AdmissionBound with the measured hash
// time).
func (h *Hasher) Bound() int {
	return AdmissionBound(cap(h.sem), h.cfg.MaxQueued, h.maxWait, time.Duration(h.hashTime.Load()))
}

// Admit lets a login in when fewer than Bound logins are admitted, without
// waiting: a login the hasher cannot serve within MaxWait is refused at once, before
// it reads or writes anything. Call it before any other work of the login, and
// release when the login is done (release is idempotent); the admitted login then
// hashes as any caller does, waiting for a slot at most MaxWait. Hash, Verify and
// Dummy do not require an admission: registrations and password changes, which
// other limits bound, still queue for a slot as before. Errors: ErrBusy when the
// bound is reached; ctx's error when ctx has ended.
func (h *Hasher) Admit(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bound := int64(h.Bound())
	for {
		n := h.admitted.Load()
		if n >= bound {
			h.refused.Add(1)
			return nil, ErrBusy
		}
		if h.admitted.CompareAndSwap(n, n+1) {
			h.notePeak(n + 1)
			break
		}
	}
	var once sync.Once
	return func() { once.Do(func() { h.admitted.Add(-1) }) }, nil
}

// notePeak raises the high-water mark of admitted logins to n.
func (h *Hasher) notePeak(n int64) {
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// RetryAfter is how long a refused login should wait before trying again: the
// time the slots need to work off the logins admitted now, at least a second.
func (h *Hasher) RetryAfter() time.Duration {
	slots := int64(cap(h.sem))
	rounds := (h.admitted.Load() + slots - 1) / slots
	return max(time.Second, time.Duration(rounds)*time.Duration(h.hashTime.Load()))
}

// HasherStats is a snapshot of a Hasher's admission and work.
type HasherStats struct {
	Slots        int           // hashes that may run at once
	Bound        int           // logins that may be admitted at once (Bound)
	Admitted     int           // logins admitted now
	AdmittedPeak int           // most logins admitted at once since the Hasher was made
	Refused      int64         // logins Admit refused
	Hashes       int64         // argon2id computations begun (Hash, Verify, Dummy)
	HashTime     time.Duration // the moving average of one hash
}

// Stats returns the admission's and the hashing's counters.
func (h *Hasher) Stats() HasherStats {
	return HasherStats{Slots: cap(h.sem), Bound: h.Bound(), Admitted: int(h.admitted.Load()),
		AdmittedPeak: int(h.peak.Load()), Refused: h.refused.Load(), Hashes: h.hashes.Load(),
		HashTime: time.Duration(h.hashTime.Load())}
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
	h.hashes.Add(1)
	start := time.Now()
	// #nosec G115 -- p.key is at most 64 bytes: parsePHC (parseMaxKey) and Validate (maxKeyLen) bound it.
	k := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	h.observe(time.Since(start))
	return k, nil
}

// observe moves the hash time's average an eighth of the way to d. Concurrent
// updates may lose one another's step; an estimate does not need them all.
func (h *Hasher) observe(d time.Duration) {
	old := h.hashTime.Load()
	h.hashTime.Store(old + (int64(d)-old)/8)
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
