package bench

import (
	"encoding/binary"
	"io"
	"net"
	"syscall"
	"time"
)

// stampArrivals asks the kernel to stamp the data conn receives (the time it
// reached the socket, SO_TIMESTAMPNS), and returns the reader to read conn
// through and the arrival time of the newest data read through it. Where it
// cannot, it returns conn itself and nil.
func stampArrivals(conn net.Conn) (io.Reader, func() time.Time) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn, nil
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return conn, nil
	}
	s := &stampedReader{rc: rc, oob: make([]byte, syscall.CmsgSpace(16))}
	return s, func() time.Time { return s.last }
}

// stampedReader reads a socket with recvmsg, keeping the kernel's stamp of
// the data read.
type stampedReader struct {
	rc   syscall.RawConn
	oob  []byte
	last time.Time
}

func (s *stampedReader) Read(p []byte) (int, error) {
	var n, oobn int
	var err error
	if rerr := s.rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, s.oob, 0)
		return err != syscall.EAGAIN
	}); rerr != nil {
		return 0, rerr
	}
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, io.EOF
	}
	msgs, _ := syscall.ParseSocketControlMessage(s.oob[:oobn])
	for _, m := range msgs {
		if m.Header.Level != syscall.SOL_SOCKET || m.Header.Type != syscall.SO_TIMESTAMPNS {
			continue
		}
		switch len(m.Data) { // a struct timespec: two longs
		case 16:
			s.last = time.Unix(int64(binary.NativeEndian.Uint64(m.Data)), int64(binary.NativeEndian.Uint64(m.Data[8:])))
		case 8:
			s.last = time.Unix(int64(int32(binary.NativeEndian.Uint32(m.Data))), int64(int32(binary.NativeEndian.Uint32(m.Data[4:]))))
		}
	}
	return n, nil
}
