package web

import (
	"net/http"
	"net/url"
	"testing"
)

func TestUregTmpDbg(t *testing.T) {
	ts := newTestServer(t)
	fx := uregSeed(t, ts, "南京沐泽信息技术有限公司", "周晓明")
	c := uregNewClient(ts)
	flowURL := uregToAccount(t, ts, c, fx)
	doc := uregPage(t, c.post(t, flowURL, url.Values{"action": {"send-code"}, "mobile": {uregMobile()}, "password": {""}, "confirm": {""}, "sms_code": {""}}), http.StatusOK)
	t.Log(doc.Texts(".field-error"), doc.Texts(".alert-error"))
}
