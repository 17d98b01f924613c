package content

import (
	"fmt"
	"strings"
)

// didYouMean suggests the closest of candidates to a misspelt name, as a
// sentence to append to a diagnostic's detail, or "" when none is close.
func didYouMean(name string, candidates []string) string {
	if best := closest(name, candidates); best != "" {
		return fmt.Sprintf(" Did you mean %q?", best)
	}
	return ""
}

// Closest returns the candidate nearest to name, or "" when none is close
// enough to be a likely misspelling: tools outside this package use it for
// their own "did you mean".
func Closest(name string, candidates []string) string { return closest(name, candidates) }

// closest returns the candidate nearest to name, or "" when none is close.
func closest(name string, candidates []string) string {
	best, bestD := "", 0
	limit := 2
	if n := len([]rune(name)); n > 8 {
		limit = 3
	}
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := levenshtein(strings.ToLower(name), strings.ToLower(c))
		if d <= limit && (best == "" || d < bestD || (d == bestD && c < best)) {
			best, bestD = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
