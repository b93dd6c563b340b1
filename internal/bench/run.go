package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"hall/internal/person"
)

// Config is one run of the tool: a scenario at each of its load levels.
type Config struct {
	URL      string // base URL of a running hall
	Scenario Scenario
	// Clients are the closed-loop levels; Rates (arrivals per second) the open-loop
	// ones, with at most MaxInFlight requests at once. One of the two is given.
	Clients     []int
	Rates       []float64
	MaxInFlight int
	Duration    time.Duration // of each level
	// MixLogins is the number of closed-loop unit-login clients running beside the
	// pages of the mix scenario.
	MixLogins int
	// RightsMonths is the period of the records rights-record produces: the last
	// RightsMonths full months (DefaultRightsMonths when 0).
	RightsMonths int
	Accounts     []Account
	// PID is the server's process, whose RSS is sampled during each level; 0 for
	// none.
	PID int
	// Hash holds the argon2id parameters of H, measured for HashDuration before the
	// first login level and after each one; HashDuration 0 measures no H.
	Hash         person.HashConfig
	HashDuration time.Duration
	// CPUPerRequest reads the server's CPU (PID's) before and after each request
	// and reports its distribution per successful request (cpurequest.go); it
	// needs a single closed-loop client.
	CPUPerRequest bool
	// Progress receives a line per step; nil for none.
	Progress io.Writer
}

// Level is the outcome of one load level.
type Level struct {
	Scenario string  `json:"scenario"`
	Clients  int     `json:"clients,omitempty"` // closed loop
	Rate     float64 `json:"rate,omitempty"`    // open loop: arrivals per second
	Seconds  float64 `json:"seconds"`           // from the first request to the last answer
	Stats
	// Logins are the background logins of the mix scenario.
	Logins       *Stats  `json:"logins,omitempty"`
	LoginClients int     `json:"login_clients,omitempty"`
	RSSMinMB     float64 `json:"rss_min_mb,omitempty"`
	RSSMaxMB     float64 `json:"rss_max_mb,omitempty"`
	// ServerCPU is the CPU time the server's process used during the level (user
	// and system, all threads, from /proc), in seconds; ServerCores is that over
	// the level's time (1: one core busy throughout), and CPUPerOK its share per
	// successful request (with the background logins' share in it, for mix).
	// Zero when the server's process is not known.
	ServerCPU   float64 `json:"server_cpu_s,omitempty"`
	ServerCores float64 `json:"server_cores,omitempty"`
	CPUPerOK    Millis  `json:"server_cpu_ms_per_ok,omitempty"`
	// CPUPerRequest is the server's CPU per successful request, with
	// --cpu-per-request.
	CPUPerRequest *CPUPerRequest `json:"server_cpu_per_request,omitempty"`
	// H is the hash rate measured just before and just after the level, and
	// RatioToH the successful logins per second over it: the mean over H's mean,
	// least and greatest over H's greatest and least.
	H        *Spread `json:"h,omitempty"`
	RatioToH *Spread `json:"ratio_to_h,omitempty"`
	// QRIdle is what a qr-idle level prepared and held.
	QRIdle *QRIdleLevel `json:"qr_idle,omitempty"`
}

// QRIdleLevel is a qr-idle level's preparation — its waiting pages' tickets,
// created by CreateClients visitors at once — and the most long polls that were
// open at once.
type QRIdleLevel struct {
	Tickets          int     `json:"tickets"`
	CreateClients    int     `json:"create_clients"`
	CreateSeconds    float64 `json:"create_seconds"`
	CreatedPerSecond float64 `json:"created_per_second"`
	MostOpen         int     `json:"most_open"`
}

// Report is a whole run.
type Report struct {
	URL         string    `json:"url"`
	Started     time.Time `json:"started"`
	Cores       int       `json:"cores"`
	HashParams  string    `json:"hash_params"`
	Duration    string    `json:"level_duration"`
	MaxInFlight int       `json:"max_in_flight,omitempty"`
	Levels      []Level   `json:"levels"`
}

// Validate reports a configuration the tool cannot run.
func (c Config) Validate() error {
	switch {
	case c.URL == "":
		return errors.New("bench: the hall's URL is required (--url)")
	case len(c.Clients) == 0 && len(c.Rates) == 0:
		return errors.New("bench: give the load levels (--clients or --rate)")
	case len(c.Rates) > 0 && c.MaxInFlight < 1:
		return errors.New("bench: an open loop needs a bound on requests in flight of at least 1")
	case c.Duration <= 0:
		return errors.New("bench: the level duration must be positive")
	case c.Scenario.Name == "":
		return errors.New("bench: no scenario")
	case c.Scenario.QR == "idle" && len(c.Rates) > 0:
		return errors.New("bench: qr-idle holds pages, it has no rate: give --clients (the waiting pages)")
	case c.CPUPerRequest && (len(c.Rates) > 0 || len(c.Clients) != 1 || c.Clients[0] != 1 ||
		c.Scenario.QR == "idle" || (c.Scenario.Mix && c.MixLogins > 0)):
		return errCPUPerRequest
	case c.CPUPerRequest && c.PID == 0:
		return errors.New("bench: --cpu-per-request reads the server's CPU: give --pid, or run the server on this machine where its port finds it")
	}
	if c.RightsMonths != 0 {
		if err := rightsMonthsValid(c.RightsMonths); err != nil {
			return err
		}
	}
	for _, n := range c.Clients {
		if n < 1 {
			return fmt.Errorf("bench: %d clients: want at least 1", n)
		}
	}
	for _, r := range c.Rates {
		if r <= 0 {
			return fmt.Errorf("bench: rate %g/s: want more than 0", r)
		}
	}
	return nil
}

// measuresLogins tells whether the scenario's rate is compared with H.
func (c Config) measuresLogins() bool {
	return c.HashDuration > 0 && (c.Scenario.Login != "" || (c.Scenario.Mix && c.MixLogins > 0))
}

// measuresH tells whether H is measured: for the logins' ratio, or for a rights
// record's CPU per request over t_h (QUALITY.md's bar).
func (c Config) measuresH() bool {
	return c.measuresLogins() || (c.HashDuration > 0 && c.CPUPerRequest && c.Scenario.Rights)
}

func (c Config) progress(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}

// Run runs every level of cfg against the hall, one after the other.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	rep := Report{URL: cfg.URL, Started: time.Now().UTC(), Cores: runtime.NumCPU(), Duration: cfg.Duration.String(),
		HashParams: fmt.Sprintf("argon2id m=%d KiB, t=%d, p=%d", cfg.Hash.Memory, cfg.Hash.Time, cfg.Hash.Threads)}
	if len(cfg.Rates) > 0 {
		rep.MaxInFlight = cfg.MaxInFlight
	}
	t := newTarget(cfg.URL)
	defer t.transport.CloseIdleConnections()
	var h float64
	if cfg.measuresH() {
		h = HashRate(ctx, cfg.Hash, cfg.HashDuration)
		cfg.progress("H = %.1f hashes/s", h)
	}
	type load struct {
		clients int
		rate    float64
	}
	var loads []load
	for _, n := range cfg.Clients {
		loads = append(loads, load{clients: n})
	}
	for _, r := range cfg.Rates {
		loads = append(loads, load{rate: r})
	}
	for _, l := range loads {
		lv, err := runLevel(ctx, cfg, t, l.clients, l.rate)
		if err != nil {
			return rep, err
		}
		if cfg.measuresH() {
			after := HashRate(ctx, cfg.Hash, cfg.HashDuration)
			hs := spreadOf(h, after)
			lv.H = &hs
			if cfg.measuresLogins() {
				logins := lv.PerSecond
				if lv.Logins != nil {
					logins = lv.Logins.PerSecond
				}
				lv.RatioToH = &Spread{Mean: logins / hs.Mean, Min: logins / hs.Max, Max: logins / hs.Min}
			}
			if lv.CPUPerRequest != nil && cfg.Scenario.Rights {
				lv.CPUPerRequest.setTH(hs, rep.Cores)
			}
			h = after
			cfg.progress("H = %.1f hashes/s", h)
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		rep.Levels = append(rep.Levels, lv)
		cfg.progress("%s", lv.summaryLine())
	}
	return rep, nil
}

func (lv Level) summaryLine() string {
	load := fmt.Sprintf("%d clients", lv.Clients)
	if lv.Rate > 0 {
		load = fmt.Sprintf("%g/s", lv.Rate)
	}
	if q := lv.QRIdle; q != nil {
		load = fmt.Sprintf("%d waiting pages (%d tickets created at %.0f/s; at most %d polls open at once; RSS %.0f–%.0f MB)",
			lv.Clients, q.Tickets, q.CreatedPerSecond, q.MostOpen, lv.RSSMinMB, lv.RSSMaxMB)
	}
	line := fmt.Sprintf("%s %s: %d requests, %.1f/s, p50 %.1f ms, p99 %.1f ms, %d errors, %d refusals, %d dropped",
		lv.Scenario, load, lv.Requests, lv.PerSecond, lv.P50, lv.P99, lv.Errors, lv.Refusals, lv.Dropped)
	if lv.ServerCPU > 0 {
		line += fmt.Sprintf("; server CPU %.2f cores, %.1f ms per ok", lv.ServerCores, lv.CPUPerOK)
	}
	if c := lv.CPUPerRequest; c != nil {
		line += "; " + c.text()
	}
	return line
}

// runLevel runs one level: clients closed-loop workers, or an open loop at rate.
func runLevel(ctx context.Context, cfg Config, t *target, clients int, rate float64) (Level, error) {
	lv := Level{Scenario: cfg.Scenario.Name, Clients: clients, Rate: rate}
	n := clients
	if rate > 0 {
		n = cfg.MaxInFlight
	}
	if cfg.Scenario.QR == "idle" {
		return runQRIdle(ctx, cfg, t, lv)
	}
	cfg.warnShared(cfg.Scenario, n)
	// Sign-ins happen before the level's clock starts: they are not its load.
	months := cfg.RightsMonths
	if months == 0 {
		months = DefaultRightsMonths
	}
	workers, err := newWorkers(ctx, t, cfg.Scenario, cfg.Accounts, n, months)
	if err != nil {
		return lv, err
	}
	var background []worker
	if cfg.Scenario.Mix && cfg.MixLogins > 0 {
		logins := Scenario{Name: "unit-login", Login: "/login/unit"}
		cfg.warnShared(logins, cfg.MixLogins)
		background, err = newWorkers(ctx, t, logins, cfg.Accounts, cfg.MixLogins, months)
		if err != nil {
			return lv, err
		}
	}
	var measured *cpuMeasuredWorker
	if cfg.CPUPerRequest {
		// Validate admits a single closed-loop client only.
		if _, err := readThreadCPU(cfg.PID); err != nil {
			return lv, fmt.Errorf("bench: --cpu-per-request: the server's CPU cannot be read: %w", err)
		}
		measured = &cpuMeasuredWorker{worker: workers[0], pid: cfg.PID}
		workers[0] = measured
	}
	rss := sampleRSS(cfg.PID, 100*time.Millisecond)
	cpu := startCPU(cfg.PID)
	start := time.Now()
	deadline := start.Add(cfg.Duration)

	// Background logins run closed loop for the same time as the level.
	bgRecs, bgWait := closedLoops(ctx, background, deadline)
	var recs []*recorder
	if rate > 0 {
		recs, lv.Dropped = openLoop(ctx, OpenLoop{Rate: rate, MaxInFlight: cfg.MaxInFlight, Duration: cfg.Duration}, workers)
	} else {
		var wait func()
		recs, wait = closedLoops(ctx, workers, deadline)
		wait()
	}
	elapsed := time.Since(start)
	bgWait()
	used, cpuRead := cpu.finish()
	lv.RSSMinMB, lv.RSSMaxMB = rss.finish()
	if measured != nil {
		c := cpuPerRequestOf(measured.used, measured.unread)
		lv.CPUPerRequest = &c
	}
	dropped := lv.Dropped
	lv.Stats = summarize(recs, elapsed)
	lv.Dropped = dropped
	lv.Seconds = elapsed.Seconds()
	if cpuRead {
		// The CPU is read once the background logins have stopped too, so it
		// is set against the time until then.
		lv.ServerCPU = used.Seconds()
		lv.ServerCores = used.Seconds() / time.Since(start).Seconds()
		if lv.OK > 0 {
			lv.CPUPerOK = millis(used / time.Duration(lv.OK))
		}
	}
	if len(background) > 0 {
		st := summarize(bgRecs, time.Since(start))
		lv.Logins, lv.LoginClients = &st, len(background)
	}
	return lv, ctx.Err()
}

// warnShared says when n login clients share too few accounts: beyond
// maxInFlightPerAccount logins of one account in flight, correct passwords are asked
// for the captcha and count as errors.
func (c Config) warnShared(s Scenario, n int) {
	accts := loginAccounts(s, c.Accounts)
	if len(accts) > 0 && n > maxInFlightPerAccount*len(accts) {
		c.progress("warning: %d login clients share %d accounts; more than %d logins of one account in flight are asked for the captcha (the account throttle counts them), so expect errors: give --accounts with at least %d",
			n, len(accts), maxInFlightPerAccount, (n+maxInFlightPerAccount-1)/maxInFlightPerAccount)
	}
}

// closedLoops starts a closed loop per worker: each sends requests one after the
// other until deadline; the request under way at the deadline is finished and
// counted. wait returns when all have stopped; only then are the recorders complete.
func closedLoops(ctx context.Context, workers []worker, deadline time.Time) (recs []*recorder, wait func()) {
	recs = make([]*recorder, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		recs[i] = &recorder{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				recs[i].record(w.do(ctx))
			}
		}()
	}
	return recs, wg.Wait
}

// openLoop runs o with the workers as the in-flight slots: a started request takes
// a free worker (there is always one, as o starts at most MaxInFlight = len(workers)
// at once) and gives it back when answered.
func openLoop(ctx context.Context, o OpenLoop, workers []worker) ([]*recorder, int) {
	free := make(chan int, len(workers))
	recs := make([]*recorder, len(workers))
	for i := range workers {
		free <- i
		recs[i] = &recorder{}
	}
	_, dropped := o.Run(ctx, func(ctx context.Context, _ time.Time) {
		i := <-free
		defer func() { free <- i }()
		recs[i].record(workers[i].do(ctx))
	})
	return recs, dropped
}

// runQRIdle runs a qr-idle level: lv.Clients login pages open their 扫码登录 tab
// (timed: the tickets-created rate), each long-polling from the moment it is open,
// and all of them are held for cfg.Duration after the last one opened, while the
// server's RSS is sampled from the first tab on (holdQRIdle).
func runQRIdle(ctx context.Context, cfg Config, t *target, lv Level) (Level, error) {
	cfg.progress("qr-idle: opening %d 扫码登录 tabs, each polling once open; then holding them for %s", lv.Clients, cfg.Duration)
	rss := sampleRSS(cfg.PID, 100*time.Millisecond)
	start := time.Now()
	idle, recs, err := holdQRIdle(ctx, t, lv.Clients, cfg.Duration)
	elapsed := time.Since(start)
	lv.RSSMinMB, lv.RSSMaxMB = rss.finish()
	if err != nil {
		return lv, err
	}
	cfg.progress("qr-idle: %d tickets in %.1f s", idle.Created, idle.Took.Seconds())
	lv.Stats = summarize(recs, elapsed)
	lv.Seconds = elapsed.Seconds()
	lv.QRIdle = &QRIdleLevel{Tickets: idle.Created, CreateClients: idle.CreateClients, CreateSeconds: idle.Took.Seconds(),
		CreatedPerSecond: float64(idle.Created) / idle.Took.Seconds(), MostOpen: idle.MostOpen}
	return lv, ctx.Err()
}
