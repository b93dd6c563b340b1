package services

import (
	"crypto/x509"
	"fmt"
	"sync"

	"hall/internal/rights"
	"hall/internal/rights/pdfdoc"
)

// The rights record (SPEC U3, A4): its font, parsed once per process, and its
// signing identity.

// fonts keeps each font file parsed once per process: Build runs again for a
// fake clock in tests, and a CJK font is several megabytes to parse.
var fonts struct {
	sync.Mutex
	byPath map[string]*pdfdoc.Font
}

// loadFont returns the parsed font at path, reading it on first use.
func loadFont(path string) (*pdfdoc.Font, error) {
	fonts.Lock()
	defer fonts.Unlock()
	if f, ok := fonts.byPath[path]; ok {
		return f, nil
	}
	f, err := pdfdoc.LoadFont(path, 0)
	if err != nil {
		return nil, err
	}
	if fonts.byPath == nil {
		fonts.byPath = map[string]*pdfdoc.Font{}
	}
	fonts.byPath[path] = f
	return f, nil
}

// buildRights wires the rights record service (RightsDeps). In production
// without rights-signing-cert this fails, so the hall does not start without the
// bureau's certificate.
func (s *Services) buildRights() error {
	d, cfg, err := s.RightsDeps()
	if err != nil {
		return err
	}
	s.Rights, err = rights.New(d, cfg)
	return err
}

// RightsDeps is what the rights record service is built from: the configured
// font, the signing identity of RightsSigning, and the settings (the file's
// keeping time, the records built at once and the wait for one). A test builds
// its own service from them with one part changed, such as a signing key that
// holds a build until the test lets it go.
func (s *Services) RightsDeps() (rights.Deps, rights.Config, error) {
	font, err := loadFont(s.Config.PDFFont)
	if err != nil {
		return rights.Deps{}, rights.Config{}, fmt.Errorf("pdf-font: %w", err)
	}
	id, err := s.RightsSigning()
	if err != nil {
		return rights.Deps{}, rights.Config{}, err
	}
	signer := rights.Signer{Key: id.Key, Chain: append([]*x509.Certificate{id.Certificate}, id.Chain...)}
	// config.Validate bounds Builds to 1–64; a Config built without it that
	// leaves it 0 gets the rights service's own default, one per core.
	builds := int(min(s.Config.RightsBuilds, 64))
	return rights.Deps{DB: s.DB, Insurance: s.Insurance, Audit: s.Audit, Font: font, Signer: signer, Now: s.Now},
		rights.Config{BaseURL: s.Config.BaseURL, BureauName: s.Config.BureauName,
			Rules: rights.Rules{MaxMonths: rights.DefaultRules.MaxMonths, ValidMonths: rights.DefaultRules.ValidMonths,
				FileKeepMonths: int(s.Config.RightsFileKeepMonths)},
			Builds: builds, BuildWait: s.Config.RightsBuildWait}, nil
}
