package person

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := testHasher(t, nil)
	phc, err := h.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC = %q, want the default argon2id parameters", phc)
	}
	if strings.Contains(phc, testPassword) {
		t.Fatal("PHC contains the password")
	}
	again, err := h.Hash(ctx, testPassword)
	if err != nil || again == phc {
		t.Fatalf("second hash = %q, %v; want a different salt", again, err)
	}
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{testPassword, true},
		{"Qx7!mRt2vz", false},
		{testPassword + " ", false},
		{"", false},
	} {
		ok, rehash, err := h.Verify(ctx, phc, tc.password)
		if err != nil || ok != tc.ok || rehash {
			t.Errorf("Verify(%q) = %v, %v, %v; want %v, false, nil", tc.password, ok, rehash, err, tc.ok)
		}
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	ctx := context.Background()
	// Small parameters: the decision compares parameters, whatever their size.
	small := func(mod func(*HashConfig)) *Hasher {
		cfg := DefaultHashConfig()
		cfg.Memory, cfg.Time = 64, 1
		if mod != nil {
			mod(&cfg)
		}
		h, err := newHasher(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	phc, err := small(nil).Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*HashConfig)
		want bool
	}{
		{"same", nil, false},
		{"same with other limits", func(c *HashConfig) { c.MaxConcurrent, c.MaxWait = 1, time.Second }, false},
		{"memory", func(c *HashConfig) { c.Memory = 128 }, true},
		{"time", func(c *HashConfig) { c.Time = 2 }, true},
		{"threads", func(c *HashConfig) { c.Threads = 2 }, true},
		{"salt", func(c *HashConfig) { c.SaltLen = 32 }, true},
		{"key", func(c *HashConfig) { c.KeyLen = 64 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := small(tc.mod)
			ok, rehash, err := h.Verify(ctx, phc, testPassword)
			if err != nil || !ok || rehash != tc.want {
				t.Fatalf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, tc.want)
			}
		})
	}
}

func TestHasherBusy(t *testing.T) {
	h := testHasher(t, func(c *HashConfig) { c.MaxConcurrent, c.MaxWait = 1, 5*time.Millisecond })
	phc, err := h.Hash(context.Background(), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // another hash holds the only slot
	ops := map[string]func(ctx context.Context) error{
		"Hash": func(ctx context.Context) error { _, err := h.Hash(ctx, testPassword); return err },
		"Verify": func(ctx context.Context) error {
			_, _, err := h.Verify(ctx, phc, testPassword)
			return err
		},
		"Dummy": h.Dummy,
	}
	for name, op := range ops {
		start := time.Now()
		if err := op(context.Background()); !errors.Is(err, ErrBusy) {
			t.Errorf("%s with the slot taken = %v, want ErrBusy", name, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s took %s to give up, want about MaxWait", name, d)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := op(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", name, err)
		}
	}
	<-h.sem
	if err := h.Dummy(context.Background()); err != nil {
		t.Fatalf("Dummy after the slot freed = %v", err)
	}
}

// TestHasherCap runs more hashes than slots and checks that they all finish
// (each waits its turn) while never more than MaxConcurrent hold a slot.
func TestHasherCap(t *testing.T) {
	cfg := DefaultHashConfig()
	cfg.Memory, cfg.Time, cfg.MaxConcurrent, cfg.MaxWait = 64, 1, 2, time.Minute
	h, err := newHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cap(h.sem) != 2 {
		t.Fatalf("semaphore capacity %d, want 2", cap(h.sem))
	}
	errs := make(chan error, 6)
	for range 6 {
		go func() { _, err := h.Hash(context.Background(), testPassword); errs <- err }()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(h.sem) != 0 {
		t.Fatalf("%d slots still held after all hashes finished", len(h.sem))
	}
}

func TestHashConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*HashConfig)
		ok   bool
	}{
		{"default", func(*HashConfig) {}, true},
		{"OWASP m=46MiB t=1", func(c *HashConfig) { c.Memory, c.Time = 47104, 1 }, true},
		{"OWASP m=7MiB t=5", func(c *HashConfig) { c.Memory, c.Time = 7168, 5 }, true},
		{"limits", func(c *HashConfig) { c.MaxConcurrent, c.MaxWait = 4, time.Second }, true},
		{"too little memory", func(c *HashConfig) { c.Memory = 4096; c.Time = 10 }, false},
		{"memory×time below floor", func(c *HashConfig) { c.Memory, c.Time = 19456, 1 }, false},
		{"too much memory", func(c *HashConfig) { c.Memory = 1<<20 + 1 }, false},
		{"no passes", func(c *HashConfig) { c.Time = 0 }, false},
		{"too many passes", func(c *HashConfig) { c.Time = 17 }, false},
		{"no threads", func(c *HashConfig) { c.Threads = 0 }, false},
		{"short salt", func(c *HashConfig) { c.SaltLen = 8 }, false},
		{"short key", func(c *HashConfig) { c.KeyLen = 8 }, false},
		{"long key", func(c *HashConfig) { c.KeyLen = 65 }, false},
		{"negative concurrency", func(c *HashConfig) { c.MaxConcurrent = -1 }, false},
		{"negative wait", func(c *HashConfig) { c.MaxWait = -time.Second }, false},
	} {
		c := DefaultHashConfig()
		tc.mod(&c)
		err := c.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if _, nerr := NewHasher(c); (nerr == nil) != tc.ok {
			t.Errorf("%s: NewHasher = %v, want ok=%v", tc.name, nerr, tc.ok)
		}
	}
}

func TestParsePHC(t *testing.T) {
	const salt = "c2FsdHNhbHRzYWx0c2FsdA"                     // 16 bytes
	const key = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U" // 32 bytes
	good := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	p, err := parsePHC(good)
	if err != nil {
		t.Fatalf("parsePHC(good) = %v", err)
	}
	if p.memory != 19456 || p.time != 2 || p.threads != 1 || len(p.salt) != 16 || len(p.key) != 32 {
		t.Fatalf("parsed %+v", p)
	}
	if p.String() != good {
		t.Fatalf("String() = %q, want %q", p.String(), good)
	}
	for _, bad := range []string{
		"",
		"password",
		"argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1,k=3$" + salt + "$" + key,
		"$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=7,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "=",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "!$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 300),
	} {
		if _, err := parsePHC(bad); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("parsePHC(%q) = %v, want ErrMalformedHash", bad, err)
		}
		h := testHasher(t, nil)
		if ok, _, err := h.Verify(context.Background(), bad, testPassword); ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", bad, ok, err)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("error %v does not wrap ErrMalformedHash", err)
			}
			return
		}
		// Accepted strings are canonical and within the limits.
		if p.String() != s {
			t.Fatalf("parse/format changed %q to %q", s, p.String())
		}
		if p.memory > parseMaxMemoryKiB || p.time > parseMaxTime || p.threads > parseMaxThreads ||
			p.memory < 8*uint32(p.threads) || len(p.salt) < parseMinSalt || len(p.key) < parseMinKey {
			t.Fatalf("accepted out-of-range parameters %+v", p)
		}
	})
}

func BenchmarkHash(b *testing.B) {
	h := testHasher(b, func(c *HashConfig) { c.MaxWait = time.Hour })
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, testPassword); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashParallel measures H of QUALITY.md: the hash rate with the
// hasher's cap (one hash per core) under more callers than cores.
func BenchmarkHashParallel(b *testing.B) {
	h := testHasher(b, func(c *HashConfig) { c.MaxWait = time.Hour })
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, testPassword); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestHasherOccupy: while occupied every operation is busy; afterwards the slots
// are free again, and a second release changes nothing.
func TestHasherOccupy(t *testing.T) {
	h := testHasher(t, func(c *HashConfig) { c.MaxConcurrent, c.MaxWait = 2, 5*time.Millisecond })
	release := h.Occupy()
	if len(h.sem) != cap(h.sem) {
		t.Fatalf("%d of %d slots taken", len(h.sem), cap(h.sem))
	}
	if _, err := h.Hash(context.Background(), testPassword); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash while occupied = %v, want ErrBusy", err)
	}
	release()
	release()
	if len(h.sem) != 0 {
		t.Fatalf("%d slots still taken after release", len(h.sem))
	}
	if _, err := h.Hash(context.Background(), testPassword); err != nil {
		t.Errorf("Hash after release = %v", err)
	}
}
