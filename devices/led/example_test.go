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

// readmeExample3 is the third configuration of README.md: STX/ETX, ASCII
// address "001", a command byte (blink on a recall), two-byte length, GB2312,
// sum8, escaped.
func readmeExample3() led.Frame {
	return led.Frame{
		Prefix:        []byte{0x02},
		HasAddress:    true,
		Address:       1,
		AddressFormat: "ascii",
		Command:       []byte{0x31},
		BlinkCommand:  []byte{0x32},
		Length:        true,
		LengthSize:    2,
		Encoding:      led.GB2312,
		Checksum:      led.ChecksumSum8,
		Escape:        "byte",
		EscapeByte:    0x1B,
		EscapeXOR:     0x80,
		Suffix:        []byte{0x03},
	}
}

// readmeExample4 is the fourth configuration of README.md: AA BB, binary
// address, two command bytes (scroll when the text is wider than 16
// columns), CRC-16/MODBUS over everything from the prefix, CR LF.
func readmeExample4() led.Frame {
	return led.Frame{
		Prefix:         []byte{0xAA, 0xBB},
		HasAddress:     true,
		Address:        3,
		Command:        []byte{0x51, 0x01},
		ScrollCommand:  []byte{0x51, 0x02},
		Length:         true,
		MaxWidth:       16,
		Overflow:       "scroll",
		Checksum:       led.ChecksumCRC16Modbus,
		ChecksumCovers: []string{"prefix", "address", "command", "length", "payload"},
		Suffix:         []byte{0x0D, 0x0A},
	}
}

func ExampleFrame_BuildMode_asciiAddress() {
	f := readmeExample3()
	call, _ := f.BuildMode("A012 请到3号窗口", led.ModeShow)
	recall, _ := f.BuildMode("A012 请到3号窗口", led.ModeBlink)
	fmt.Printf("% x\n% x\n", call, recall)
	// Output:
	// 02 30 30 31 31 00 10 41 30 31 32 20 c7 eb b5 bd 33 ba c5 b4 b0 bf da 99 03
	// 02 30 30 31 32 00 10 41 30 31 32 20 c7 eb b5 bd 33 ba c5 b4 b0 bf da 9a 03
}

func ExampleFrame_BuildMode_scroll() {
	f := readmeExample4()
	short, _ := f.Build("A012 请到3号窗口")
	long, _ := f.Build("B107 请到12号综合窗口办理")
	fmt.Printf("% x\n% x\n", short, long)
	// Output:
	// aa bb 03 51 01 10 41 30 31 32 20 c7 eb b5 bd 33 ba c5 b4 b0 bf da 59 be 0d 0a
	// aa bb 03 51 02 19 42 31 30 37 20 c7 eb b5 bd 31 32 ba c5 d7 db ba cf b4 b0 bf da b0 ec c0 ed 1c 81 0d 0a
}
