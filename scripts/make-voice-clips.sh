#!/usr/bin/env bash
# make-voice-clips.sh regenerates the announcement clips in assets/voice/ with
# espeak-ng and sox (Debian: apt-get install -y espeak-ng sox).
#
# Every clip is one RIFF WAV: mono, 16-bit signed PCM, 22050 Hz (espeak-ng's own
# rate), leading and trailing silence trimmed, peak-normalised, written without
# dither (sox -D) so that a rerun gives the same bytes. The clip names are
# the ones package announce composes (announce.Clips); a hall may replace any file with
# its own recording of the same name, as long as all clips of a language share one
# sample format.
#
#   scripts/make-voice-clips.sh            # writes assets/voice/{zh-CN,en}/
#   scripts/make-voice-clips.sh /tmp/clips # writes elsewhere
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/assets/voice}

for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "make-voice-clips: $tool not found (apt-get install -y espeak-ng sox)" >&2; exit 1; }
done

rate=22050
fmt=(-r "$rate" -b 16 -c 1 -e signed-integer -t wav)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# say DIR NAME VOICE SPEED TEXT: speak TEXT with espeak-ng, trim the silence at
# both ends (sox silence: drop audio until 10 ms stay above 0.1 %, then the same
# on the reversed clip) and normalise the peak to -1 dBFS.
say() {
	local dir=$1 name=$2 voice=$3 speed=$4 text=$5
	espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" -- "$text"
	sox -V1 -D "$tmp/raw.wav" "${fmt[@]}" "$out/$dir/$name.wav" \
		silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse norm -1
}

# chime DIR: a two-tone ding-dong (E5 then C5, the second starting 0.4 s into the
# first), each a sine with a fast attack and a long fade, peak at -6 dBFS so it
# does not drown the voice.
chime() {
	sox -V1 -D -n "${fmt[@]}" "$tmp/ding.wav" synth 0.7 sine 659.26 fade l 0.01 0.7 0.65
	sox -V1 -D -n "${fmt[@]}" "$tmp/dong.wav" synth 0.9 sine 523.25 fade l 0.01 0.9 0.85 pad 0.4 0
	sox -V1 -D -m "$tmp/ding.wav" "$tmp/dong.wav" "${fmt[@]}" "$out/$1/chime.wav" norm -6
}

letters=(A B C D E F G H I J K L M N O P Q R S T U V W X Y Z)

# zh-CN: Mandarin from pinyin with the cmn-latn-pinyin voice (the plain cmn voice
# reads pinyin as English). Letters use the plain cmn voice, whose letter names
# are the ones Chinese halls say (A "ei", B "bi", W "da-bu-liu"); G is said "ji"
# from pinyin, closer to the usual reading than espeak's "zhi".
zh=zh-CN
mkdir -p "$out/$zh"
chime "$zh"
pinyin() { say "$zh" "$1" cmn-latn-pinyin 140 "$2"; }
pinyin please "qing3"
pinyin hao "hao4"
pinyin dao "dao4"
pinyin window "hao4 chuang1 kou3"
pinyin banli "ban4 li3"
pinyin shi "shi2"
digits=(ling2 yi1 er4 san1 si4 wu3 liu4 qi1 ba1 jiu3)
for d in "${!digits[@]}"; do pinyin "$d" "${digits[$d]}"; done
for l in "${letters[@]}"; do say "$zh" "$l" cmn 140 "$l"; done
pinyin G "ji4"

# en: American English.
en=en
mkdir -p "$out/$en"
chime "$en"
english() { say "$en" "$1" en-us 150 "$2"; }
english ticket "Ticket"
english goto "please go to window"
digits=(zero one two three four five six seven eight nine)
for d in "${!digits[@]}"; do english "$d" "${digits[$d]}"; done
for l in "${letters[@]}"; do english "$l" "$l"; done

du -ch "$out"/*/*.wav | tail -n 1
