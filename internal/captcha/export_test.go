package captcha

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// Judge exposes the plausibility check to the external tests, which build tracks
// with captchatest (an internal test cannot import it: captchatest imports this
// package).
var Judge = judge

// SeedPictures makes p draw the same sequence of pictures on every run, from
// seed, so that measurements over many challenges repeat exactly.
func SeedPictures(p *Puzzles, seed uint64) {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	p.seed = func() (s [32]byte) {
		mu.Lock()
		defer mu.Unlock()
		for i := range 4 {
			binary.LittleEndian.PutUint64(s[8*i:], r.Uint64())
		}
		return s
	}
}
