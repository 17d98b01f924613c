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

// TestToldSetBounded: the groups told that Polku talks one to one are
// remembered up to a bound, never more.
func TestToldSetBounded(t *testing.T) {
	s := toldSet{m: map[int64]bool{}, max: 3}
	for id := range int64(10) {
		if !s.first(id) {
			t.Errorf("group %d was not new", id)
		}
		if s.first(id) {
			t.Errorf("group %d counted as new twice in a row", id)
		}
		if len(s.m) > 3 {
			t.Fatalf("%d groups remembered, want at most 3", len(s.m))
		}
	}
}
