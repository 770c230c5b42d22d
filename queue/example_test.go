package queue_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

// A kiosk issues two tickets, window 1 signs in and calls the next one.
func ExampleEngine_CallNext() {
	dir, _ := os.MkdirTemp("", "qcall-example-")
	defer os.RemoveAll(dir)
	store, _ := bolt.Open(filepath.Join(dir, "qcall.db"))
	defer store.Close()
	nine := time.Date(2026, 11, 26, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	eng, err := queue.Open(store, queue.Options{Config: queue.Demo(), Clock: queue.ClockFunc(func() time.Time { return nine })})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer eng.Close()
	ctx := context.Background()

	a, _ := eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", Channel: "kiosk"})
	b, _ := eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", Channel: "kiosk"})
	fmt.Println(a.Number, b.Number, "ahead of", b.Number+":", b.Ahead)

	eng.SignIn(ctx, "1001", 1)
	t, _ := eng.CallNext(ctx, "1001", 1)
	fmt.Println("window 1 calls", t.Number)
	_, err = eng.CallNext(ctx, "1001", 1)
	fmt.Println(queue.ErrorCode(err))
	// Output:
	// A001 A002 ahead of A002: 1
	// window 1 calls A001
	// window_busy
}
