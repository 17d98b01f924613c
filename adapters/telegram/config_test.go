package telegram

import "testing"

// TestCheckAPIURL: a Bot API address that cannot be right is refused before
// the token is put into it.
func TestCheckAPIURL(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{DefaultAPIURL, true},
		{"http://127.0.0.1:8081", true},
		{"https://bot-api.example.org/", true},
		{"https://bot-api.example.org/bot%s/%s", true},
		{"http://[::1", false},
		{"http://127.0.0.1:1/bot%s", false},
		{"http://127.0.0.1:1/%41", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8081", false},
		{"http:///nohost", false},
		{"", false},
	} {
		if err := CheckAPIURL(tt.url); (err == nil) != tt.ok {
			t.Errorf("CheckAPIURL(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}
