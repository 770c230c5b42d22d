package queue_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"qcall/internal/fieldfill"
	"qcall/queue"
)

// eventTypeConsts returns the values of the constants of type EventType
// declared in the Go files src (name → text), test files left out.
func eventTypeConsts(t *testing.T, src map[string]string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string]string{}
	for name, text := range src {
		f, err := parser.ParseFile(fset, name, text, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typed := false
				if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "EventType" {
					typed = true
				}
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					v := vs.Values[i]
					if call, ok := v.(*ast.CallExpr); ok && len(call.Args) == 1 {
						if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "EventType" {
							typed, v = true, call.Args[0]
						}
					}
					lit, ok := v.(*ast.BasicLit)
					if !typed || !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[n.Name] = s
				}
			}
		}
	}
	return out
}

// undeclared returns the names of the constants among consts whose event
// type has no declared audience.
func undeclared(consts map[string]string) []string {
	var out []string
	for name, v := range consts {
		if !queue.Declared(queue.EventType(v)) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// TestEventTypes_Declared: every event type the package defines says who may
// see it and what a public screen gets, so that a new event cannot reach the
// hall's screens (or anyone) by default. It reads the package's source: a
// constant of type EventType added without an entry in eventSpecs fails here.
func TestEventTypes_Declared(t *testing.T) {
	src := packageSource(t)
	consts := eventTypeConsts(t, src)
	if len(consts) < 30 {
		t.Fatalf("found only %d event types in the source: %v", len(consts), consts)
	}
	if u := undeclared(consts); len(u) > 0 {
		t.Errorf("event types without a declared audience (add them to eventSpecs): %v", u)
	}
	values := slices.Sorted(maps.Values(consts))
	if got := queue.EventTypes(); !slices.Equal(got, toTypes(values)) {
		t.Errorf("declared types %v, constants %v", got, values)
	}

	t.Run("a new type fails", func(t *testing.T) {
		// What a new workflow's file would add, without its declaration.
		c := eventTypeConsts(t, map[string]string{"complaint.go": `package queue
const (
	EvComplaintFiled EventType = "complaint_filed"
	EvComplaintSeen = EventType("complaint_seen")
)`})
		if u := undeclared(c); !slices.Equal(u, []string{"EvComplaintFiled", "EvComplaintSeen"}) {
			t.Errorf("undeclared %v, want both complaint types", u)
		}
	})
}

// specKeys returns the names of the event types a Go file declares in a map
// literal of type map[EventType]eventSpec (a workflow's declarations).
func specKeys(t *testing.T, name, text string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, text, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		mt, ok := lit.Type.(*ast.MapType)
		if !ok {
			return true
		}
		k, kok := mt.Key.(*ast.Ident)
		v, vok := mt.Value.(*ast.Ident)
		if !kok || !vok || k.Name != "EventType" || v.Name != "eventSpec" {
			return true
		}
		for _, el := range lit.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if id, ok := kv.Key.(*ast.Ident); ok {
					out = append(out, id.Name)
				}
			}
		}
		return true
	})
	return out
}

// misplaced returns, sorted, the event types of the Go files src whose
// constant and declaration (audience, allowlist, fold) are not in one file.
func misplaced(t *testing.T, src map[string]string) []string {
	t.Helper()
	var out []string
	for name, text := range src {
		consts := eventTypeConsts(t, map[string]string{name: text})
		keys := specKeys(t, name, text)
		for c := range consts {
			if !slices.Contains(keys, c) {
				out = append(out, c+" (declared outside "+name+")")
			}
		}
		for _, k := range keys {
			if _, ok := consts[k]; !ok {
				out = append(out, k+" (defined outside "+name+")")
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestEventTypes_InTheirWorkflowFile: one workflow, one place. Each event
// type's constant and its declaration (who hears it, what a public screen
// gets, its fold) are in the same file, the workflow's (issue.go, call.go,
// …), not split over shared files.
func TestEventTypes_InTheirWorkflowFile(t *testing.T) {
	src := packageSource(t)
	if m := misplaced(t, src); len(m) > 0 {
		t.Errorf("event types whose constant and declaration are in different files: %v", m)
	}

	t.Run("split over two files fails", func(t *testing.T) {
		m := misplaced(t, map[string]string{
			"event.go": `package queue
const EvComplaintFiled EventType = "complaint_filed"`,
			"audience.go": `package queue
var hallEvents = map[EventType]eventSpec{EvComplaintFiled: {}}`,
			"complaint.go": `package queue
const EvComplaintSeen EventType = "complaint_seen"
var complaintEvents = map[EventType]eventSpec{EvComplaintSeen: {}}`,
		})
		want := []string{"EvComplaintFiled (declared outside event.go)", "EvComplaintFiled (defined outside audience.go)"}
		slices.Sort(want)
		if !slices.Equal(m, want) {
			t.Errorf("misplaced %v, want %v", m, want)
		}
	})
}

func toTypes(s []string) []queue.EventType {
	out := make([]queue.EventType, len(s))
	for i, v := range s {
		out[i] = queue.EventType(v)
	}
	return out
}

// TestPublicEvent_Allowlist: of an event with every field set (by
// reflection), a public screen gets exactly the envelope and its type's
// allowlist; of an undeclared type, the envelope alone, and no one but an
// agent hears it.
func TestPublicEvent_Allowlist(t *testing.T) {
	check := func(typ queue.EventType, want []string) {
		t.Helper()
		var e queue.Event
		if err := fieldfill.Fill(&e); err != nil {
			t.Fatal(err)
		}
		e.Type = typ
		p := queue.PublicEvent(&e)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonPaths(t, b); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: public fields %v, want %v", typ, got, want)
		}
		if p.Config != nil && p.Config.Staff[0].PasswordHash != "" {
			t.Errorf("%s: the public config keeps a password hash", typ)
		}
	}
	for _, typ := range queue.EventTypes() {
		check(typ, queue.PublicFields(typ))
	}
	check("complaint_filed", []string{"seq", "at", "type", "actor", "window"})

	var e queue.Event
	if err := fieldfill.Fill(&e); err != nil {
		t.Fatal(err)
	}
	e.Type = "complaint_filed"
	s := queue.NewState()
	s.Config = queue.Demo()
	a := s.Audience(&e)
	for _, l := range []queue.Listener{{Kind: queue.ListenPublic}, {Kind: queue.ListenWindow, Window: e.Window},
		{Kind: queue.ListenTerminal, Window: e.Window, Staff: e.Staff}, {Kind: queue.ListenDirector},
		{Kind: queue.ListenPhone, Ticket: e.Ticket}} {
		if hears, _ := a.Hears(l); hears {
			t.Errorf("%+v hears an undeclared event", l)
		}
	}
	if hears, full := a.Hears(queue.Listener{Kind: queue.ListenAgent}); !hears || !full {
		t.Error("an agent does not hear an undeclared event in full")
	}
}

// jsonPaths returns the keys of the JSON object b, sorted, those of a
// workflow's payload (an object other than the configuration) as
// "payload.field".
func jsonPaths(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for k, v := range m {
		var sub map[string]json.RawMessage
		if k != "config" && json.Unmarshal(v, &sub) == nil {
			for sk := range sub {
				out = append(out, k+"."+sk)
			}
			continue
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// privatePaths lists the payload fields of Event tagged private:"director"
// (a citizen's personal data) as "payload.field", found by reflection.
func privatePaths() (director, stored []string) {
	add := func(f reflect.StructField, path string) {
		switch f.Tag.Get("private") {
		case "director":
			director = append(director, path)
		case "stored":
			stored = append(stored, path)
		}
	}
	var walk func(rt reflect.Type, prefix string)
	walk = func(rt reflect.Type, prefix string) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case f.Anonymous && f.Type.Kind() == reflect.Struct:
				walk(f.Type, prefix) // an embedded payload: its fields are the event's
			case prefix == "" && f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct:
				walk(f.Type.Elem(), name+".")
			default:
				add(f, prefix+name)
			}
		}
	}
	walk(reflect.TypeFor[queue.Event](), "")
	return director, stored
}

// TestEvent_PersonalData: of an event of any type with every field set (by
// reflection), the fields tagged private:"director" reach the director
// (ForDirector) and no other client (ForClients, PublicEvent, TicketEvent),
// and those tagged private:"stored" (the citizen's ID hash) reach no one.
func TestEvent_PersonalData(t *testing.T) {
	private, stored := privatePaths()
	if !slices.Contains(stored, "id_hash") || !slices.Contains(private, "complaint.contact") {
		t.Fatalf("private fields found: %v, stored-only: %v", private, stored)
	}
	for _, typ := range append(queue.EventTypes(), "undeclared_type") {
		var e queue.Event
		if err := fieldfill.Fill(&e); err != nil {
			t.Fatal(err)
		}
		e.Type = typ
		director := e.ForDirector()
		clients := e.ForClients()
		public := queue.PublicEvent(&e)
		phone := queue.TicketEvent(&e, e.Ticket)
		for name, ev := range map[string]*queue.Event{"director": &director, "clients": &clients, "public": &public, "phone": &phone} {
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			paths := jsonPaths(t, b)
			for _, p := range stored {
				if slices.Contains(paths, p) {
					t.Errorf("%s: %s gets %s", typ, name, p)
				}
			}
			for _, p := range private {
				if got := slices.Contains(paths, p); got != (name == "director") {
					t.Errorf("%s: %s gets %s: %v", typ, name, p, got)
				}
			}
		}
		// The event itself keeps everything: it is what is stored.
		b, _ := json.Marshal(&e)
		for _, p := range slices.Concat(private, stored) {
			if !slices.Contains(jsonPaths(t, b), p) {
				t.Errorf("%s: the stored event lost %s", typ, p)
			}
		}
	}
}

// TestState_Audience: who hears what, by the hall's rules.
func TestState_Audience(t *testing.T) {
	s := queue.NewState()
	s.Config = queue.Demo()
	s.Express["X1"] = &queue.ExpressRequest{ID: "X1", Window: 4, State: "approved"}
	s.Followups["F1"] = &queue.FollowupRecord{ID: "F1", Ticket: "T1", Window: 4, Staff: "1004", Assignee: "1011"}
	term := func(w int, staff string) queue.Listener {
		return queue.Listener{Kind: queue.ListenTerminal, Window: w, Staff: staff}
	}
	screen := func(w int) queue.Listener { return queue.Listener{Kind: queue.ListenWindow, Window: w} }
	phone := func(id string) queue.Listener { return queue.Listener{Kind: queue.ListenPhone, Ticket: id} }
	director := queue.Listener{Kind: queue.ListenDirector}
	public := queue.Listener{Kind: queue.ListenPublic}
	tests := []struct {
		name       string
		ev         queue.Event
		hear, deaf []queue.Listener
	}{
		{"a call: its window, its ticket's phone, the public",
			queue.Event{Type: queue.EvTicketCalled, Window: 3, Ticket: "T1"},
			[]queue.Listener{public, screen(3), term(3, "1003"), phone("T1")},
			[]queue.Listener{screen(4), term(4, "1004"), phone("T2"), director}},
		{"a transfer: both windows",
			queue.Event{Type: queue.EvTicketTransfer, Window: 3, CallFields: queue.CallFields{ToWindow: 5}, Ticket: "T1"},
			[]queue.Listener{screen(3), screen(5), term(5, "")}, []queue.Listener{screen(4)}},
		{"a backup: the terminals of its B windows and the director, not their screens",
			queue.Event{Type: queue.EvBackupOpened, Service: "employment"},
			[]queue.Listener{term(3, ""), term(7, ""), director, public},
			[]queue.Listener{screen(3), term(1, ""), term(2, "")}},
		{"an express decision: the asking window's terminal",
			queue.Event{Type: queue.EvExpressApproved, ExpressFields: queue.ExpressFields{Express: "X1"}, Ticket: "T1"},
			[]queue.Listener{term(4, ""), director, phone("T1")}, []queue.Listener{screen(4), term(5, "")}},
		{"cover needed: the window and the B-post holders' terminals wherever they are",
			queue.Event{Type: queue.EvCoverNeeded, Window: 1, Staff: "1001", PostFields: queue.PostFields{Cover: []string{"1002", "1011"}}},
			[]queue.Listener{term(1, ""), term(2, "1002"), term(9, "1011"), director},
			[]queue.Listener{term(2, "1003"), screen(2)}},
		{"the day's close: the phones of the tickets cancelled",
			queue.Event{Type: queue.EvDayClosed, Tickets: []string{"T1", "T2"}},
			[]queue.Listener{phone("T1"), phone("T2"), director, public}, []queue.Listener{phone("T3"), screen(1)}},
		{"a configuration: every window",
			queue.Event{Type: queue.EvConfigChanged},
			[]queue.Listener{screen(1), screen(10), term(6, "")}, nil},
		{"a follow-up: the director, the rated and the assigned at their terminals; no screen, window or phone",
			queue.Event{Type: queue.EvFollowupOpened, Followup: &queue.Followup{ID: "F1", Ticket: "T1", Window: 4, Staff: "1004"}},
			[]queue.Listener{director, term(9, "1004"), term(2, "1011")},
			[]queue.Listener{public, screen(4), term(4, ""), term(4, "1005"), phone("T1")}},
		{"an appeal decided: as a follow-up, even with a window and ticket set",
			queue.Event{Type: queue.EvAppealDecided, Window: 4, Ticket: "T1", Followup: &queue.Followup{ID: "F1", Upheld: true}},
			[]queue.Listener{director, term(1, "1004"), term(3, "1011")},
			[]queue.Listener{public, screen(4), term(4, ""), phone("T1")}},
		{"a window released: the window, the ticket's phone, the director",
			queue.Event{Type: queue.EvWindowReleased, Window: 3, Ticket: "T1", Staff: "1003"},
			[]queue.Listener{director, screen(3), term(3, ""), phone("T1"), public}, []queue.Listener{screen(4)}},
		{"an issue: not the director",
			queue.Event{Type: queue.EvTicketIssued, Ticket: "T1"},
			[]queue.Listener{public, phone("T1")}, []queue.Listener{director, screen(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.Audience(&tt.ev)
			for _, l := range tt.hear {
				if hears, _ := a.Hears(l); !hears {
					t.Errorf("%+v does not hear it (%+v)", l, a)
				}
			}
			for _, l := range tt.deaf {
				if hears, _ := a.Hears(l); hears {
					t.Errorf("%+v hears it (%+v)", l, a)
				}
			}
		})
	}
}

// packageSource is the text of the package's Go files, tests left out, by
// file name.
func packageSource(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	src := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src[f] = string(b)
	}
	return src
}
