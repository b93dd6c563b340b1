package delivery_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hall/internal/delivery"
)

var shipment = delivery.Shipment{OrderID: "case-20260413000001", Recipient: "李收件", Mobile: "13912345678", Address: "江苏省南京市玄武区中山路1号"}

func carrierAt(t *testing.T, h http.HandlerFunc, timeout time.Duration) *delivery.HTTPCarrier {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := delivery.NewHTTPCarrier(delivery.HTTPConfig{URL: srv.URL + "/api/", APIKey: "k-123", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHTTPCarrierSpeaksTheProtocol(t *testing.T) {
	c := carrierAt(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k-123" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/shipments":
			var got map[string]string
			b, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(b, &got); err != nil || got["order_id"] != shipment.OrderID ||
				r.Header.Get("Idempotency-Key") != shipment.OrderID || got["address"] != shipment.Address ||
				got["recipient"] != shipment.Recipient || got["mobile"] != shipment.Mobile {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"carrier":"示范速运","tracking_no":"SF1234567890","extra":1}`)
		case r.Method == http.MethodGet && r.URL.Path == "/api/shipments/SF1234567890":
			_, _ = io.WriteString(w, `{"tracking_no":"SF1234567890","events":[
				{"status":"collected","at":"2026-04-13T10:00:00+08:00","place":"南京玄武营业部","description":"已揽收"},
				{"status":"in_transit","at":"2026-04-13T12:00:00+08:00","place":"南京转运中心","description":"运输中"}]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}, time.Second)
	ctx := context.Background()
	wb, err := c.Create(ctx, shipment)
	if err != nil || wb != (delivery.Waybill{Carrier: "示范速运", TrackingNo: "SF1234567890"}) {
		t.Fatalf("create: %+v, %v", wb, err)
	}
	evs, err := c.Track(ctx, wb.TrackingNo)
	if err != nil || len(evs) != 2 || evs[1].Status != delivery.StatusInTransit || !evs[0].At.Equal(time.Date(2026, 4, 13, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("track: %+v, %v", evs, err)
	}
	if _, err := c.Track(ctx, "SF0000"); !errors.Is(err, delivery.ErrUnknownShipment) {
		t.Fatalf("unknown number: %v", err)
	}
}

func TestHTTPCarrierFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		delay   time.Duration
		refused string // the reason when the carrier refused; "" for a failure worth retrying
	}{
		{name: "400 with reason", status: 400, body: `{"error":"地址超出配送范围"}`, refused: "地址超出配送范围"},
		{name: "422 without reason", status: 422, body: `oops`, refused: "收件信息不符合快递公司要求"},
		{name: "401", status: 401, body: `{"error":"bad key"}`},
		{name: "429", status: 429},
		{name: "500", status: 500, body: `{"error":"down"}`},
		{name: "503", status: 503},
		{name: "timeout", status: 201, body: `{"carrier":"示范速运","tracking_no":"SF1"}`, delay: 300 * time.Millisecond},
		{name: "malformed JSON", status: 201, body: `{"carrier":"示范速运","tracking_no":`},
		{name: "no tracking number", status: 201, body: `{"carrier":"示范速运"}`},
		{name: "bad tracking number", status: 200, body: `{"carrier":"示范速运","tracking_no":"SF 1/2"}`},
		{name: "HTML", status: 200, body: `<html>ok</html>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := carrierAt(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.delay > 0 {
					select {
					case <-time.After(tc.delay):
					case <-r.Context().Done():
						return
					}
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}, 100*time.Millisecond)
			_, err := c.Create(ctx, shipment)
			if err == nil {
				t.Fatal("no error")
			}
			var r *delivery.RefusedError
			if tc.refused != "" {
				if !errors.As(err, &r) || r.Reason != tc.refused {
					t.Fatalf("%v, want refusal %q", err, tc.refused)
				}
			} else if errors.Is(err, delivery.ErrRefused) {
				t.Fatalf("%v is a refusal; want a failure worth retrying", err)
			}
			if _, err := c.Track(ctx, "SF1"); err == nil || errors.Is(err, delivery.ErrUnknownShipment) {
				t.Fatalf("track: %v, want a failure", err)
			}
		})
	}
}

func TestHTTPCarrierRefusesABadURL(t *testing.T) {
	for _, u := range []string{"", "carrier.example", "ftp://carrier.example", "http://"} {
		if _, err := delivery.NewHTTPCarrier(delivery.HTTPConfig{URL: u}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestParseTrackRules(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"events":[]}`, true},
		{`{}`, false},
		{`{"events":null}`, false},
		{`{"events":[{"status":"signed","at":"2026-04-13T10:00:00Z"}]}`, true},
		{`{"events":[{"status":"lost","at":"2026-04-13T10:00:00Z"}]}`, false},
		{`{"events":[{"status":"signed","at":"2026-04-13 10:00"}]}`, false},
		{`{"events":[{"status":"signed","at":"2026-04-13T10:00:00Z","place":"a\u0000b"}]}`, false},
		{`{"events":[{"status":"signed","at":"2026-04-13T10:00:00Z","description":"` + strings.Repeat("长", 201) + `"}]}`, false},
		{`{"events":` + "[" + strings.Repeat(`{"status":"in_transit","at":"2026-04-13T10:00:00Z"},`, 500) + `{"status":"signed","at":"2026-04-13T10:00:00Z"}]}`, false},
		{`[`, false},
	} {
		if _, err := delivery.ParseTrack([]byte(tc.body)); (err == nil) != tc.ok {
			t.Errorf("ParseTrack(%.60q) = %v, want ok %v", tc.body, err, tc.ok)
		}
	}
}

func FuzzParseTrack(f *testing.F) {
	f.Add([]byte(`{"events":[{"status":"collected","at":"2026-04-13T10:00:00+08:00","place":"南京","description":"已揽收"}]}`))
	f.Add([]byte(`{"events":[{"status":"x"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := delivery.ParseTrack(b)
		if err != nil {
			return
		}
		if len(evs) > 500 {
			t.Fatalf("%d events accepted", len(evs))
		}
		for _, e := range evs {
			if !e.Status.Valid() || e.At.IsZero() || e.At.Location() != time.UTC {
				t.Fatalf("accepted %+v", e)
			}
			for _, s := range []string{e.Place, e.Description} {
				if len([]rune(s)) > 200 || strings.ContainsAny(s, "\x00\n\r\x1b") {
					t.Fatalf("accepted text %q", s)
				}
			}
		}
	})
}

func FuzzParseWaybill(f *testing.F) {
	f.Add([]byte(`{"carrier":"示范速运","tracking_no":"SF1234567890"}`))
	f.Add([]byte(`{"carrier":"","tracking_no":"1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		wb, err := delivery.ParseWaybill(b)
		if err != nil {
			return
		}
		if wb.Carrier == "" || wb.TrackingNo == "" || len(wb.TrackingNo) > 40 || strings.ContainsAny(wb.TrackingNo, " /?#%") {
			t.Fatalf("accepted %+v", wb)
		}
	})
}
