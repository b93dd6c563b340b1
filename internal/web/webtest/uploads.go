package webtest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FormFile is a file a multipart form sends: its field, declared name and content.
type FormFile struct {
	Field, Name string
	Body        []byte
}

// PostFiles posts form as multipart with files, as a browser sends a form with
// enctype="multipart/form-data".
func (c *Client) PostFiles(t testing.TB, target string, form url.Values, files ...FormFile) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f.Field, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(fw, bytes.NewReader(f.Body))
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, target, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(t, r)
}

// ScanPNG is a small grey PNG, a scan the hall's upload check (internal/scans) accepts.
func ScanPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = color.Gray{Y: 0xe0}.Y
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
