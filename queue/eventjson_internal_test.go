package queue

import (
	"reflect"
	"strings"
	"testing"
)

// planJSON refuses, when the package starts, what AppendJSON could not write
// as encoding/json does: two fields of one JSON name (encoding/json drops
// both, silently), an embedded pointer, a tag option it does not know.
func TestPlanJSON_Refuses(t *testing.T) {
	type a struct {
		X string `json:"x,omitempty"`
	}
	type b struct {
		Y string `json:"y,omitempty"`
	}
	// Two embedded structs whose fields have one JSON name, built here
	// rather than declared, since go vet refuses such a declaration.
	bX := reflect.StructOf([]reflect.StructField{{Name: "Y", Type: reflect.TypeFor[string](), Tag: `json:"x,omitempty"`}})
	twoNames := reflect.StructOf([]reflect.StructField{
		{Name: "A", Type: reflect.TypeFor[a](), Anonymous: true},
		{Name: "B", Type: bX, Anonymous: true},
	})
	type embeddedPointer struct{ *a }
	type unknownOption struct {
		X int `json:"x,string"`
	}
	for _, c := range []struct {
		t    reflect.Type
		want string
	}{
		{twoNames, `two fields named "x"`},
		{reflect.TypeFor[embeddedPointer](), "not pointers"},
		{reflect.TypeFor[unknownOption](), `option "string"`},
		{reflect.TypeFor[struct {
			a
			b
		}](), ""}, // two names: no panic
	} {
		func() {
			defer func() {
				r, _ := recover().(string)
				if !strings.Contains(r, c.want) || (r == "") != (c.want == "") {
					t.Errorf("planJSON(%v) panics with %q, want it to say %q", c.t, r, c.want)
				}
			}()
			planJSON(c.t, nil, 0)
		}()
	}
}
