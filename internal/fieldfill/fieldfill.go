// Package fieldfill sets every exported field of a value, nested ones too, to
// a non-zero value of its own, by reflection, and finds the fields of a value
// that are zero. Tests use it to build a value with every field set without a
// hand list that a new field would silently miss: a hand-written encoder that
// forgets a field, or a store that drops one, then shows up at once.
package fieldfill

import (
	"fmt"
	"reflect"
	"time"
)

// base is the first time Fill gives; each time field gets its own instant
// after it, with nanoseconds and a zone offset, so that the whole RFC 3339
// form is exercised.
var base = time.Date(2026, 3, 2, 8, 30, 15, 123456789, time.FixedZone("CST", 8*3600))

var timeType = reflect.TypeFor[time.Time]()

// Fill sets every exported field reachable from ptr (a non-nil pointer) to a
// value that is not its type's zero and that no other field of the same kind
// shares: strings name their field and carry characters JSON escapes
// (<>&"\, a control byte, U+2028, Chinese), numbers count up (within 1–100
// in types too small for the count), booleans are true, times step by a
// second and a nanosecond from 2026-03-02 in +08:00, slices and maps get two
// elements, pointers a filled value. It returns an error naming the field of
// a kind it cannot fill (an interface, a channel, a function, a complex
// number), so that a new field of such a kind is seen rather than left zero.
func Fill(ptr any) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("fieldfill: Fill needs a non-nil pointer, not %T", ptr)
	}
	f := &filler{}
	return f.fill(v.Elem(), v.Elem().Type().Name())
}

type filler struct{ n int }

func (f *filler) next() int {
	f.n++
	return f.n
}

func (f *filler) fill(v reflect.Value, path string) error {
	if v.Type() == timeType {
		n := f.next()
		v.Set(reflect.ValueOf(base.Add(time.Duration(n) * (time.Second + time.Nanosecond))))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s#%d <&>\"\\\t\u2028号", path, f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := int64(f.next())
		if v.OverflowInt(n) {
			n = n%100 + 1
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := uint64(f.next())
		if v.OverflowUint(n) {
			n = n%100 + 1
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.next()) + 0.25)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		return f.fill(v.Elem(), path)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			if err := f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			if err := f.fill(k, fmt.Sprintf("%s.key%d", path, i)); err != nil {
				return err
			}
			if err := f.fill(e, fmt.Sprintf("%s[%v]", path, k)); err != nil {
				return err
			}
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			if err := f.fill(v.Field(i), path+"."+sf.Name); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("fieldfill: %s is a %s, which Fill cannot fill: fill it by hand or extend Fill", path, v.Type())
	}
	return nil
}

// Zero returns the paths (Event.Config.Services[0].Name, …) of the exported
// fields reachable from v that are zero: a nil or empty slice, map or
// pointer, a zero number, string, bool or time. A slice, map or pointer that
// is zero is listed itself, not what it would hold.
func Zero(v any) []string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	var out []string
	zero(rv, rv.Type().Name(), &out)
	return out
}

func zero(v reflect.Value, path string, out *[]string) {
	if v.Type() == timeType {
		if v.Interface().(time.Time).IsZero() {
			*out = append(*out, path)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			*out = append(*out, path)
			return
		}
		zero(v.Elem(), path, out)
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			*out = append(*out, path)
			return
		}
		if v.Kind() == reflect.Map {
			for _, k := range v.MapKeys() {
				zero(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k), out)
			}
			return
		}
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			zero(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if sf := t.Field(i); sf.IsExported() {
				zero(v.Field(i), path+"."+sf.Name, out)
			}
		}
	default:
		if v.IsZero() {
			*out = append(*out, path)
		}
	}
}
