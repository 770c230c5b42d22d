package fieldfill_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/internal/fieldfill"
)

type named string

type inner struct {
	S  string
	At time.Time
}

type every struct {
	S      string
	N      named
	I      int
	I8     int8
	U      uint64
	U8     uint8
	F      float64
	B      bool
	At     time.Time
	Ss     []string
	Bs     []byte
	Arr    [2]int
	M      map[string]int
	P      *inner
	In     inner
	Ins    []inner
	hidden int
}

func TestFill(t *testing.T) {
	var v every
	if err := fieldfill.Fill(&v); err != nil {
		t.Fatal(err)
	}
	if z := fieldfill.Zero(v); len(z) != 0 {
		t.Fatalf("zero after Fill: %v", z)
	}
	if v.hidden != 0 {
		t.Fatal("Fill set an unexported field")
	}
	if v.S == v.In.S || v.S == string(v.N) || v.I == v.Arr[0] || v.At.Equal(v.In.At) {
		t.Fatalf("two fields share a value: %+v", v)
	}
	if !strings.Contains(v.P.S, "every.P.S") {
		t.Fatalf("a string does not name its field: %q", v.P.S)
	}
	if _, off := v.At.Zone(); off != 8*3600 || v.At.Nanosecond() == 0 {
		t.Fatalf("time %v: want an offset and nanoseconds", v.At)
	}
}

func TestZero(t *testing.T) {
	z := fieldfill.Zero(&every{Ss: []string{"x", ""}, P: &inner{S: "y"}})
	for _, want := range []string{"every.S", "every.N", "every.I", "every.F", "every.B", "every.At", "every.Ss[1]",
		"every.Bs", "every.Arr[0]", "every.M", "every.P.At", "every.In.S", "every.Ins"} {
		if !slices.Contains(z, want) {
			t.Errorf("Zero misses %s: %v", want, z)
		}
	}
	for _, not := range []string{"every.Ss[0]", "every.P.S", "every.hidden"} {
		if slices.Contains(z, not) {
			t.Errorf("Zero lists %s, which is set or unexported", not)
		}
	}
}

func TestFill_unsupported(t *testing.T) {
	var v struct {
		OK  string
		Any any
	}
	err := fieldfill.Fill(&v)
	if err == nil || !strings.Contains(err.Error(), ".Any") {
		t.Fatalf("Fill of an interface field: %v", err)
	}
	if err := fieldfill.Fill(v); err == nil {
		t.Fatal("Fill of a non-pointer: no error")
	}
}
