package qr

import (
	"bytes"
	"errors"
	"html"
	"html/template"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"testing"
)

// Links of the shapes the hall puts into codes: a verification link, a QR-login
// ticket link and a rights-record verify link with a long opaque ID.
var links = []string{
	"http://127.0.0.1:8080/app/v/x",
	"https://hall.example.gov.cn/app/v/3q2-7wEXAMPLEexampleEXAMPLEexample_-0123456789a",
	"https://rs.example.gov.cn/app/login/q/Z2VuZXJhdGVkLWJ5LXRlc3RzLW5vdC1hLXJlYWwtdGlja2V0?src=web",
	"https://hall.example.gov.cn:8443/verify/record/" + strings.Repeat("AbCdEfGh", 12),
}

func TestRoundTrip(t *testing.T) {
	for _, link := range links {
		for _, px := range []int{160, 240, 400} {
			b, err := PNG(link, px)
			if err != nil {
				t.Fatalf("PNG(%q, %d): %v", link, px, err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("PNG(%q, %d) is not a PNG: %v", link, px, err)
			}
			if cfg.Width != cfg.Height || cfg.Width > px || cfg.Width < px-1 {
				t.Errorf("PNG(%q, %d) is %dx%d, want about %d wide", link, px, cfg.Width, cfg.Height, px)
			}
			got, err := Decode(b)
			if err != nil || got != link {
				t.Errorf("Decode(PNG(%q, %d)) = %q, %v", link, px, got, err)
			}
		}
	}
}

func TestLooks(t *testing.T) {
	b, err := PNG(links[1], 240)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 4096 {
		t.Errorf("PNG is %d bytes, want a small bilevel image", len(b))
	}
	// Quiet zone: the outer ring of four modules (at least 4 px) is white, and
	// every pixel is pure black or pure white.
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			if g != 0 && g != 255 {
				t.Fatalf("pixel (%d,%d) is grey %d", x, y, g)
			}
			edge := x < 4*4 || y < 4*4 || x >= r.Max.X-4*4 || y >= r.Max.Y-4*4
			if edge && g != 255 {
				t.Fatalf("pixel (%d,%d) in the quiet zone is black", x, y)
			}
		}
	}
}

func TestContentLimits(t *testing.T) {
	for _, c := range []string{"", strings.Repeat("a", MaxContent+1)} {
		if _, err := PNG(c, 200); !errors.Is(err, ErrContent) {
			t.Errorf("PNG(len %d) error = %v, want ErrContent", len(c), err)
		}
	}
	// Size is clamped, never refused.
	for _, px := range []int{-5, 0, 10, 100000} {
		b, err := PNG(links[0], px)
		if err != nil {
			t.Fatalf("PNG(px=%d): %v", px, err)
		}
		cfg, _ := png.DecodeConfig(bytes.NewReader(b))
		if cfg.Width < MinPixels/2 || cfg.Width > MaxPixels {
			t.Errorf("PNG(px=%d) is %d wide", px, cfg.Width)
		}
	}
}

func TestDataURL(t *testing.T) {
	u, err := DataURL(links[1], 200)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(u), "data:image/png;base64,") {
		t.Fatalf("DataURL = %.40q…", u)
	}
	// html/template must keep it as it is inside <img src>.
	tpl := template.Must(template.New("").Parse(`<img src="{{.}}" alt="二维码">`))
	var out bytes.Buffer
	if err := tpl.Execute(&out, u); err != nil {
		t.Fatal(err)
	}
	// The attribute is HTML-escaped ('+' becomes &#43;), which the browser undoes.
	src, ok := strings.CutPrefix(out.String(), `<img src="`)
	src, _, _ = strings.Cut(src, `"`)
	if !ok || html.UnescapeString(src) != string(u) {
		t.Errorf("template rewrote the data URL: %.80s", out.String())
	}
}

// TestDecodeScreenshot places a code on a page-like canvas, then scales it 2×
// (a HiDPI screenshot) and blurs it slightly (browser resampling).
func TestDecodeScreenshot(t *testing.T) {
	link := links[2]
	b, err := PNG(link, 200)
	if err != nil {
		t.Fatal(err)
	}
	code, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	page := image.NewRGBA(image.Rect(0, 0, 640, 420))
	draw.Draw(page, page.Rect, image.NewUniform(color.RGBA{0xf4, 0xf6, 0xf9, 0xff}), image.Point{}, draw.Src)
	// A header bar and some "text" blocks around the code.
	draw.Draw(page, image.Rect(0, 0, 640, 48), image.NewUniform(color.RGBA{0x1f, 0x4e, 0x9c, 0xff}), image.Point{}, draw.Src)
	for i := range 6 {
		draw.Draw(page, image.Rect(360, 90+i*30, 600-i*20, 102+i*30), image.NewUniform(color.RGBA{0x33, 0x33, 0x33, 0xff}), image.Point{}, draw.Src)
	}
	at := image.Pt(80, 120)
	draw.Draw(page, code.Bounds().Add(at), code, image.Point{}, draw.Src)

	cases := []struct {
		name string
		img  image.Image
	}{
		{"page", page},
		{"upscaled 2x", upscale2(page)},
		{"blurred", blur(page)},
		{"upscaled and blurred", blur(upscale2(page))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := png.Encode(&buf, c.img); err != nil {
				t.Fatal(err)
			}
			got, err := Decode(buf.Bytes())
			if err != nil || got != link {
				t.Errorf("Decode = %q, %v; want %q", got, err, link)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := Decode([]byte("not an image")); !errors.Is(err, ErrImage) {
		t.Errorf("Decode(text) error = %v, want ErrImage", err)
	}
	blank := image.NewGray(image.Rect(0, 0, 120, 120))
	draw.Draw(blank, blank.Rect, image.White, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, blank); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(buf.Bytes()); !errors.Is(err, ErrNoCode) {
		t.Errorf("Decode(blank) error = %v, want ErrNoCode", err)
	}
	// A tiny file that declares a huge canvas is refused before decoding.
	huge := image.NewGray(image.Rect(0, 0, 1, 1))
	buf.Reset()
	if err := png.Encode(&buf, huge); err != nil {
		t.Fatal(err)
	}
	p := buf.Bytes()
	// IHDR width and height live at bytes 16–23; the CRC is then wrong, which
	// DecodeConfig does not check, so the size check is what refuses it.
	copy(p[16:24], []byte{0, 0, 0x9c, 0x40, 0, 0, 0x9c, 0x40}) // 40000 × 40000
	if _, err := Decode(p); !errors.Is(err, ErrImage) {
		t.Errorf("Decode(huge) error = %v, want ErrImage", err)
	}
}

func FuzzDecode(f *testing.F) {
	b, err := PNG(links[1], 120)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{})
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil && s != "" {
			t.Errorf("Decode returned text %q with error %v", s, err)
		}
	})
}

// gray converts an image to grey levels once, so the helpers below work on bytes.
func gray(src image.Image) *image.Gray {
	g := image.NewGray(src.Bounds())
	draw.Draw(g, g.Rect, src, src.Bounds().Min, draw.Src)
	return g
}

// upscale2 doubles the image with bilinear interpolation, as a browser does when
// it paints a 1x image on a 2x screen.
func upscale2(img image.Image) image.Image {
	src := gray(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewGray(image.Rect(0, 0, 2*w, 2*h))
	at := func(x, y int) float64 {
		x = min(max(x, 0), w-1)
		y = min(max(y, 0), h-1)
		return float64(src.Pix[y*src.Stride+x])
	}
	for y := range 2 * h {
		for x := range 2 * w {
			// Source coordinates of the destination pixel's centre: 0.25 or 0.75
			// past a source pixel centre, so the weights are 1/4 and 3/4.
			x0, y0 := (x-1)>>1, (y-1)>>1
			dx, dy := 0.25, 0.25
			if x&1 == 0 {
				dx = 0.75
			}
			if y&1 == 0 {
				dy = 0.75
			}
			v := at(x0, y0)*(1-dx)*(1-dy) + at(x0+1, y0)*dx*(1-dy) +
				at(x0, y0+1)*(1-dx)*dy + at(x0+1, y0+1)*dx*dy
			dst.Pix[y*dst.Stride+x] = uint8(v + 0.5)
		}
	}
	return dst
}

// blur is a 3×3 box blur.
func blur(img image.Image) image.Image {
	src := gray(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			sum, n := 0, 0
			for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
				for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
					sum += int(src.Pix[yy*src.Stride+xx])
					n++
				}
			}
			dst.Pix[y*dst.Stride+x] = uint8(sum / n)
		}
	}
	return dst
}
