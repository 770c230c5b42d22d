// Package assets holds what qcall serves and speaks from its own binary: the
// screens (web/), the voice clips (voice/) and the one catalogue of every string a
// person reads, in Simplified Chinese first and English second (i18n/<lang>/, one
// file per area, merged into one catalogue per language).
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

//go:embed all:i18n all:web all:voice
var embedded embed.FS

// FS is the whole embedded tree: i18n/, web/ and voice/.
var FS fs.FS = embedded

// Languages lists the catalogues, the default first.
var Languages = []string{"zh-CN", "en"}

var (
	loadOnce sync.Once
	catalog  map[string]map[string]string // language → key → text; read-only after loadOnce
)

// load merges each language's files (i18n/<lang>/*.json, one per area of the
// product) into one catalogue; a key defined twice is a bug and stops the program.
func load() {
	catalog = make(map[string]map[string]string)
	for _, lang := range Languages {
		files, err := fs.Glob(embedded, "i18n/"+lang+"/*.json")
		if err != nil || len(files) == 0 {
			panic(fmt.Sprintf("assets: no catalogue for %s", lang))
		}
		m := make(map[string]string)
		for _, name := range files {
			b, err := fs.ReadFile(embedded, name)
			if err != nil {
				panic(fmt.Sprintf("assets: %s: %v", name, err))
			}
			part := make(map[string]string)
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("assets: %s: %v", name, err))
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic(fmt.Sprintf("assets: %s: key %q defined twice", name, k))
				}
				m[k] = v
			}
		}
		catalog[lang] = m
	}
}

// Catalog returns the catalogue of lang (an unknown language gets zh-CN). The map
// must not be modified.
func Catalog(lang string) map[string]string {
	loadOnce.Do(load)
	if m, ok := catalog[Lang(lang)]; ok {
		return m
	}
	return catalog[Languages[0]]
}

// Lang picks the catalogue language for an Accept-Language header or a plain tag:
// "en…" gives en, anything else the default zh-CN.
func Lang(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	if strings.HasPrefix(t, "en") {
		return "en"
	}
	return Languages[0]
}

// T returns the text of key in lang with fmt-style args applied; a key missing from
// lang falls back to zh-CN, and a key missing from both is returned as it is, so a
// missing string shows up plainly instead of as an empty label.
func T(lang, key string, args ...any) string {
	s, ok := Catalog(lang)[key]
	if !ok {
		s, ok = Catalog(Languages[0])[key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether the catalogue (zh-CN, which every key is in) has key.
func Has(key string) bool {
	_, ok := Catalog(Languages[0])[key]
	return ok
}

// Fill returns the text of key in lang (as T, without args) with its {name}
// placeholders filled in from params, as the screens' Q.t does; a placeholder
// without a value stays as it is, so that it shows up plainly.
func Fill(lang, key string, params map[string]string) string {
	s := T(lang, key)
	if len(params) == 0 || !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		v, ok := params[s[i+1:i+j]]
		if !ok {
			b.WriteString(s[:i+j+1])
		} else {
			b.WriteString(s[:i])
			b.WriteString(v)
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// Both returns the zh-CN text, then " / " and the English text, for places that show
// both at once (a printed ticket, an API error message).
func Both(key string, args ...any) string {
	zh, en := T("zh-CN", key, args...), T("en", key, args...)
	if zh == en {
		return zh
	}
	return zh + " / " + en
}
