package queue_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"qcall/queue"
)

// TestEngine_LogInquiry: the inquiry log (首问 咨询台账) takes an inquiry
// answered on the spot or referred somewhere, refuses one that ends with
// nobody, and reads back by date, across a restart.
func TestEngine_LogInquiry(t *testing.T) {
	h := newHall(t, nil)
	day := func(d string) (time.Time, time.Time) {
		t.Helper()
		s, e, err := h.DayRange(d, d)
		if err != nil {
			t.Fatal(err)
		}
		return s, e
	}
	list := func(from, to string) []queue.InquiryView {
		t.Helper()
		s, e, err := h.DayRange(from, to)
		if err != nil {
			t.Fatal(err)
		}
		v, err := h.Inquiries(ctx, s, e)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("refused", func(t *testing.T) {
		before, seq := h.state(), h.seq()
		for _, tc := range []struct {
			name string
			r    queue.InquiryRequest
			code string
		}{
			{"no topic", queue.InquiryRequest{Topic: "  ", Answered: true}, queue.ErrInvalid.Code},
			{"not answered, referred nowhere", queue.InquiryRequest{Topic: "退休金测算"}, "referral_required"},
			{"answered and referred", queue.InquiryRequest{Topic: "社保卡挂失", Answered: true, ReferredTo: "3号窗口"}, queue.ErrInvalid.Code},
			{"unknown service", queue.InquiryRequest{Topic: "社保卡挂失", Service: "nope", Answered: true}, queue.ErrUnknownService.Code},
			{"topic too long", queue.InquiryRequest{Topic: strings.Repeat("问", 201), Answered: true}, queue.ErrInvalid.Code},
			{"topic with a newline", queue.InquiryRequest{Topic: "一\n二", Answered: true}, queue.ErrInvalid.Code},
		} {
			_, err := h.LogInquiry(ctx, "1011", tc.r)
			var qe *queue.Error
			if !errors.As(err, &qe) || qe.Code != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if h.seq() != seq || h.state() != before {
			t.Fatal("a refused inquiry changed the hall")
		}
	})

	v, err := h.LogInquiry(ctx, "1011", queue.InquiryRequest{Topic: " 失业金领取条件 ", Service: "unemployment", Answered: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.Topic != "失业金领取条件" || v.Staff != "1011" || v.StaffName != "徐慧" || !v.Answered || v.ID == "" || !v.At.Equal(at(9, 0)) {
		t.Fatalf("logged %+v", v)
	}
	h.clock.Set(at(10, 30))
	if _, err := h.LogInquiry(ctx, "1011", queue.InquiryRequest{Topic: "工伤认定时限", Answered: false, ReferredTo: "8号窗口"}); err != nil {
		t.Fatal(err)
	}
	// The next day, another.
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	h.issue("employment") // the day rolls over
	if _, err := h.LogInquiry(ctx, "9001", queue.InquiryRequest{Topic: "养老保险转移", Answered: true}); err != nil {
		t.Fatal(err)
	}

	h.restart()
	got := list("2026-11-26", "2026-11-26")
	if len(got) != 2 || got[0].ID != v.ID || got[1].ReferredTo != "8号窗口" || got[1].Answered {
		t.Fatalf("2026-11-26 after a restart: %+v", got)
	}
	if got := list("2026-11-27", ""); len(got) != 1 || got[0].Topic != "养老保险转移" || got[0].StaffName != "马建国" {
		t.Fatalf("2026-11-27: %+v", got)
	}
	if got := list("2026-11-26", "2026-11-27"); len(got) != 3 {
		t.Fatalf("both days: %d", len(got))
	}
	if got := list("2026-11-25", "2026-11-25"); len(got) != 0 {
		t.Fatalf("the day before: %+v", got)
	}
	s, e := day("2026-11-26")
	if !s.Equal(time.Date(2026, 11, 26, 0, 0, 0, 0, shanghai)) || !e.Equal(s.AddDate(0, 0, 1)) {
		t.Fatalf("day range %v – %v", s, e)
	}

	t.Run("bad ranges", func(t *testing.T) {
		for _, r := range [][2]string{{"2026-13-01", ""}, {"26.11.2026", "2026-11-26"}, {"2026-11-27", "2026-11-26"}, {"2024-01-01", "2026-11-26"}} {
			if _, _, err := h.DayRange(r[0], r[1]); !errors.Is(err, queue.ErrInvalid) {
				t.Errorf("%v: %v, want invalid_input", r, err)
			}
		}
	})
}

// TestEngine_InquiriesClockStep: an event stamped before the one before it
// (the system clock set back) is still found by its own time.
func TestEngine_InquiriesClockStep(t *testing.T) {
	h := newHall(t, nil)
	for i, m := range []int{0, 10, 20, 5, 30} { // 9:05 logged after 9:20
		h.clock.Set(at(9, m))
		if _, err := h.LogInquiry(ctx, "1011", queue.InquiryRequest{Topic: "问题" + string(rune('A'+i)), Answered: true}); err != nil {
			t.Fatal(err)
		}
		h.issue("consult")
	}
	got, err := h.Inquiries(ctx, at(9, 1), at(9, 25))
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for _, v := range got {
		topics = append(topics, v.Topic)
	}
	if strings.Join(topics, ",") != "问题B,问题C,问题D" {
		t.Fatalf("9:01–9:25: %v", topics)
	}
}
