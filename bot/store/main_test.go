package store

import (
	"testing"

	"polku/bot/store/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }
