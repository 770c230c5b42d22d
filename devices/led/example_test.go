package led_test

import (
	"fmt"

	"qcall/devices/led"
)

// The first configuration of README.md: STX, address, GB18030 text, xor, ETX.
func ExampleFrame_Build_stxEtx() {
	f := led.Frame{
		Prefix:     []byte{0x02},
		HasAddress: true,
		Address:    0x01,
		Checksum:   led.ChecksumXOR,
		Suffix:     []byte{0x03},
	}
	text := led.Format("{number} 请到{window}号窗口", led.Call{Number: "A012", Window: 3})
	b, err := f.Build(text)
	fmt.Println(text, err)
	fmt.Printf("% x\n", b)
	// Output:
	// A012 请到3号窗口 <nil>
	// 02 01 41 30 31 32 20 c7 eb b5 bd 33 ba c5 b4 b0 bf da 5a 03
}

// The second configuration of README.md: AA 55, address, length, ASCII text,
// CRC-16/MODBUS, no suffix.
func ExampleFrame_Build_modbus() {
	f := led.Frame{
		Prefix:     []byte{0xAA, 0x55},
		HasAddress: true,
		Address:    0x05,
		Length:     true,
		Encoding:   led.ASCII,
		Checksum:   led.ChecksumCRC16Modbus,
	}
	text := led.Format("{number} -> {window}", led.Call{Number: "A012", Window: 3})
	b, err := f.Build(text)
	fmt.Println(text, err)
	fmt.Printf("% x\n", b)
	// Output:
	// A012 -> 3 <nil>
	// aa 55 05 09 41 30 31 32 20 2d 3e 20 33 6c 23
}
