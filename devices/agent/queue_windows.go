//go:build windows

package agent

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// winspool is the Windows print spooler: OpenPrinterW, StartDocPrinterW with
// the RAW data type (the bytes go to the printer untouched by its driver),
// StartPagePrinter, WritePrinter, EndPagePrinter, EndDocPrinter, ClosePrinter
// (learn.microsoft.com, "Sending data directly to a printer").
type winspool struct{}

var (
	modWinspool          = windows.NewLazySystemDLL("winspool.drv")
	procOpenPrinterW     = modWinspool.NewProc("OpenPrinterW")
	procClosePrinter     = modWinspool.NewProc("ClosePrinter")
	procStartDocPrinterW = modWinspool.NewProc("StartDocPrinterW")
	procEndDocPrinter    = modWinspool.NewProc("EndDocPrinter")
	procStartPagePrinter = modWinspool.NewProc("StartPagePrinter")
	procEndPagePrinter   = modWinspool.NewProc("EndPagePrinter")
	procWritePrinter     = modWinspool.NewProc("WritePrinter")
)

func newSystemSpooler() spooler { return winspool{} }

// docInfo1 is DOC_INFO_1W.
type docInfo1 struct {
	docName    *uint16
	outputFile *uint16
	datatype   *uint16
}

func (winspool) Print(queue, doc string, data []byte) (err error) {
	if len(data) == 0 {
		return nil
	}
	q, err := windows.UTF16PtrFromString(queue)
	if err != nil {
		return fmt.Errorf("printer queue %q: %w", queue, err)
	}
	var h windows.Handle
	if r, _, e := procOpenPrinterW.Call(uintptr(unsafe.Pointer(q)), uintptr(unsafe.Pointer(&h)), 0); r == 0 {
		return fmt.Errorf("printer queue %q: OpenPrinter: %w", queue, e)
	}
	defer procClosePrinter.Call(uintptr(h))
	name, _ := windows.UTF16PtrFromString(doc)
	raw, _ := windows.UTF16PtrFromString("RAW")
	di := docInfo1{docName: name, datatype: raw}
	if r, _, e := procStartDocPrinterW.Call(uintptr(h), 1, uintptr(unsafe.Pointer(&di))); r == 0 {
		return fmt.Errorf("printer queue %q: StartDocPrinter: %w", queue, e)
	}
	defer func() {
		if r, _, e := procEndDocPrinter.Call(uintptr(h)); r == 0 && err == nil {
			err = fmt.Errorf("printer queue %q: EndDocPrinter: %w", queue, e)
		}
	}()
	if r, _, e := procStartPagePrinter.Call(uintptr(h)); r == 0 {
		return fmt.Errorf("printer queue %q: StartPagePrinter: %w", queue, e)
	}
	var written uint32
	r, _, e := procWritePrinter.Call(uintptr(h), uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)), uintptr(unsafe.Pointer(&written)))
	procEndPagePrinter.Call(uintptr(h))
	if r == 0 {
		return fmt.Errorf("printer queue %q: WritePrinter: %w", queue, e)
	}
	if int(written) != len(data) {
		return fmt.Errorf("printer queue %q: WritePrinter took %d of %d bytes", queue, written, len(data))
	}
	return nil
}
