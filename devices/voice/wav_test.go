package voice_test

import "qcall/announce"

// mono22k is the format of the built-in clips.
var mono22k = announce.Format{SampleRate: 22050, BitDepth: 16, NumChannels: 1}
