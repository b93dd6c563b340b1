package verify

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Origin says where a verification was asked from: the browser that started it.
// The companion app shows it on the verification screen, so that a person asked to
// approve a password reset started in someone else's browser (a relayed QR code)
// can see that the request is not theirs. It holds a short device description and
// a masked address, never the raw User-Agent or the full client address.
type Origin struct {
	Device string // e.g. "Windows 电脑 · Chrome"; "" when not known
	Place  string // MsgLocalPlace, or the masked address "203.0.113.*"; "" when not known
}

// MsgLocalPlace is the place of a loopback or private client address: the hall has
// no geographic database, and names no place it cannot know.
const MsgLocalPlace = "本机/内网地址"

// maxOriginRunes bounds what is stored of either part.
const maxOriginRunes = 64

type originKey struct{}

// WithOrigin returns ctx carrying o. The web layer sets it for each request, so that
// Start records the origin of the browser asking whichever flow starts the session
// (unit registration, recovery, agent confirmation), without every flow passing
// request details through its own API.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// originFrom is the origin WithOrigin put into ctx (zero when none).
func originFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return Origin{Device: clip(o.Device), Place: clip(o.Place)}
}

func clip(s string) string {
	if !utf8.ValidString(s) {
		return ""
	}
	if r := []rune(s); len(r) > maxOriginRunes {
		return string(r[:maxOriginRunes])
	}
	return s
}

// OriginOf describes a browser by its User-Agent header and client address.
func OriginOf(userAgent, clientAddr string) Origin {
	return Origin{Device: DescribeDevice(userAgent), Place: MaskAddr(clientAddr)}
}

// DescribeDevice names the kind of device and the browser of a User-Agent header in
// a few words ("Windows 电脑 · Chrome", "iPhone · 微信"), or "未知设备" when it
// names neither. It is a description for a person, not an identification: the
// header is whatever the browser sends.
func DescribeDevice(ua string) string {
	device, browser := deviceOf(ua), browserOf(ua)
	switch {
	case device == "" && browser == "":
		return "未知设备"
	case device == "":
		return browser
	case browser == "":
		return device
	}
	return device + " · " + browser
}

func deviceOf(ua string) string {
	has := func(s string) bool { return strings.Contains(ua, s) }
	switch {
	case has("HarmonyOS") || has("OpenHarmony"):
		return "鸿蒙设备"
	case has("iPhone"):
		return "iPhone"
	case has("iPad"):
		return "iPad"
	case has("Android"):
		if has("Mobile") {
			return "Android 手机"
		}
		return "Android 平板"
	case has("Windows"):
		return "Windows 电脑"
	case has("Macintosh") || has("Mac OS X"):
		return "Mac 电脑"
	case has("CrOS"):
		return "Chromebook"
	case has("Linux") || has("X11"):
		return "Linux 电脑"
	}
	return ""
}

// browserOf checks the browsers that carry another's token first: Edge and most
// Chinese browsers also say "Chrome", Chrome also says "Safari".
func browserOf(ua string) string {
	has := func(s string) bool { return strings.Contains(ua, s) }
	switch {
	case has("MicroMessenger"):
		return "微信"
	case has("DingTalk"):
		return "钉钉"
	case has("Edg/") || has("Edge/") || has("EdgA/") || has("EdgiOS/"):
		return "Edge"
	case has("QQBrowser"):
		return "QQ浏览器"
	case has("UCBrowser"):
		return "UC浏览器"
	case has("360SE") || has("360EE") || has("QihooBrowser"):
		return "360浏览器"
	case has("MSIE ") || has("Trident/"):
		return "IE 浏览器"
	case has("Firefox/") || has("FxiOS/"):
		return "Firefox"
	case has("OPR/"):
		return "Opera"
	case has("Chrome/") || has("CriOS/") || has("Chromium/"):
		return "Chrome"
	case has("Safari/"):
		return "Safari"
	}
	return ""
}

// MaskAddr is the place shown for a client address: MsgLocalPlace for a loopback,
// private, link-local or unspecified address; the first three parts of an IPv4
// address ("203.0.113.*") or the first three groups of an IPv6 one
// ("2001:db8:85a3::*"); "" for anything that is not an address.
func MaskAddr(addr string) string {
	ip, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return ""
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
		return MsgLocalPlace
	}
	if ip.Is4() {
		b := ip.As4()
		return fmt.Sprintf("%d.%d.%d.*", b[0], b[1], b[2])
	}
	b := ip.As16()
	return fmt.Sprintf("%x:%x:%x::*", uint16(b[0])<<8|uint16(b[1]), uint16(b[2])<<8|uint16(b[3]), uint16(b[4])<<8|uint16(b[5]))
}
