package queue

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func sortStrings(s []string) { slices.Sort(s) }

// maxText bounds free text (reasons, notes, materials) in runes.
const maxText = 500

// cleanList trims items, drops empty ones and checks lengths.
func cleanList(items []string, what string) ([]string, error) {
	var out []string
	for _, m := range items {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if utf8.RuneCountInString(m) > maxText {
			return nil, Errorf(ErrInvalid.Code, "%s too long", what)
		}
		out = append(out, m)
	}
	if len(out) == 0 || len(out) > 50 {
		return nil, Errorf(ErrInvalid.Code, "give 1–50 %s", what)
	}
	return out, nil
}

func cleanText(s, what string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", Errorf(ErrInvalid.Code, "%s is required", what)
	}
	if utf8.RuneCountInString(s) > maxText {
		return "", Errorf(ErrInvalid.Code, "%s is longer than %d characters", what, maxText)
	}
	return s, nil
}
