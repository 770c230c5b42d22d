package led

import (
	"fmt"
	"strings"
)

// Checksum is the kind of check a frame carries.
type Checksum int

// Checksum kinds. The zero value is none.
const (
	ChecksumNone        Checksum = iota // no checksum bytes
	ChecksumSum8                        // 1 byte: sum of the covered bytes mod 256
	ChecksumXOR                         // 1 byte: xor of the covered bytes
	ChecksumCRC16Modbus                 // 2 bytes: CRC-16/MODBUS, low byte first
	ChecksumSum16                       // 2 bytes: sum of the covered bytes mod 65536, high byte first
)

var checksumNames = [...]string{"none", "sum8", "xor", "crc16modbus", "sum16"}

// String returns the kind's configuration name: none, sum8, xor, crc16modbus
// or sum16.
func (c Checksum) String() string {
	if c >= 0 && int(c) < len(checksumNames) {
		return checksumNames[c]
	}
	return fmt.Sprintf("checksum(%d)", int(c))
}

// ParseChecksum returns the kind named s (see String); "" is none.
func ParseChecksum(s string) (Checksum, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ChecksumNone, nil
	}
	for i, n := range checksumNames {
		if s == n {
			return Checksum(i), nil
		}
	}
	return 0, fmt.Errorf("led: unknown checksum %q (want none, sum8, xor, crc16modbus or sum16)", s)
}

// MarshalText returns the kind's name, so configuration files hold "crc16modbus".
func (c Checksum) MarshalText() ([]byte, error) {
	if c < 0 || int(c) >= len(checksumNames) {
		return nil, fmt.Errorf("led: unknown checksum %d", int(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText sets c from its name, as ParseChecksum.
func (c *Checksum) UnmarshalText(b []byte) error {
	k, err := ParseChecksum(string(b))
	if err != nil {
		return err
	}
	*c = k
	return nil
}

// Size returns the number of checksum bytes in a frame: 0, 1 or 2.
func (c Checksum) Size() int {
	switch c {
	case ChecksumSum8, ChecksumXOR:
		return 1
	case ChecksumCRC16Modbus, ChecksumSum16:
		return 2
	}
	return 0
}

// Sum returns the checksum bytes of b as they go on the wire.
func (c Checksum) Sum(b []byte) []byte {
	switch c {
	case ChecksumSum8:
		var s byte
		for _, x := range b {
			s += x
		}
		return []byte{s}
	case ChecksumXOR:
		var s byte
		for _, x := range b {
			s ^= x
		}
		return []byte{s}
	case ChecksumCRC16Modbus:
		crc := CRC16Modbus(b)
		return []byte{byte(crc), byte(crc >> 8)}
	case ChecksumSum16:
		var s uint16
		for _, x := range b {
			s += uint16(x)
		}
		return []byte{byte(s >> 8), byte(s)}
	}
	return nil
}

// CRC16Modbus returns the CRC-16/MODBUS of b (Modbus over Serial Line V1.02
// §6.2.2: polynomial 0xA001 reflected, initial 0xFFFF). Its check value, for
// "123456789", is 0x4B37.
func CRC16Modbus(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, x := range b {
		crc ^= uint16(x)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}
