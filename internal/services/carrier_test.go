package services

import (
	"testing"
	"time"

	"hall/internal/delivery"
)

// TestBuildCarrier: carrier-url selects the HTTP carrier; without it the
// development carrier runs on the configured step.
func TestBuildCarrier(t *testing.T) {
	c, dev, err := buildCarrier(testConfig(t, "--dev-carrier-step", "3m"), time.Now)
	if err != nil || dev == nil || c != delivery.Carrier(dev) || dev.Step != 3*time.Minute {
		t.Fatalf("development: %T %v %v", c, dev, err)
	}
	c, dev, err = buildCarrier(testConfig(t, "--carrier-url", "https://carrier.example/api"), time.Now)
	if _, ok := c.(*delivery.HTTPCarrier); !ok || dev != nil || err != nil {
		t.Fatalf("carrier-url: %T %v %v", c, dev, err)
	}
	if _, _, err := buildCarrier(testConfig(t, "--carrier-url", "carrier.example"), time.Now); err == nil {
		t.Fatal("a carrier URL without a scheme was accepted")
	}
}
