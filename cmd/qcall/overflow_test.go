package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The overflow checkers. checkFits looks at a whole screen; checkEachFits
// at the elements a test names (the buttons of a dialog, a guide's lines),
// each against its own box, which catches a label that runs out of a
// button that does not clip it.
//
// checkFits: on a screen as Chromium lays it out, every piece of
// visible text must lie inside each box around it that the eye sees as its
// panel (an element that clips, or has a background or a border) and inside
// the screen; and no element that clips may hide text (scrollWidth beyond
// clientWidth: an ellipsis, a cut word; scrollHeight beyond clientHeight
// where it does not scroll; a panel that scrolls may hold more than it
// shows, in the direction it scrolls). It compares element boxes, not pixels. Text
// that moves by design (the hall's notice line) is marked
// data-overflow-ok in the page and left out.

// overflowJS evaluates to a JSON array of the problems found; page says
// whether the page may scroll down (a phone page, a console), in which case
// text below the screen's bottom is not a problem.
const overflowJS = `(() => {
  const pageScrolls = %t;
  const out = [];
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const name = (e) => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    else if (e.classList.length) s += '.' + Array.from(e.classList).join('.');
    const p = e.parentElement;
    if (p && p !== document.body) s = name(p) + ' > ' + s;
    return s;
  };
  const shown = (e) => {
    if (e.closest('[hidden], [data-overflow-ok], dialog:not([open]), option, script, style, template')) return false;
    for (let x = e; x && x !== document; x = x.parentElement) {
      const cs = getComputedStyle(x);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') return false;
    }
    return e.getClientRects().length > 0;
  };
  const isPanel = (cs) => cs.overflowX !== 'visible' || cs.overflowY !== 'visible' ||
    (cs.backgroundColor !== 'rgba(0, 0, 0, 0)' && cs.backgroundColor !== 'transparent') ||
    cs.backgroundImage !== 'none' || parseFloat(cs.borderTopWidth) > 0 || parseFloat(cs.borderLeftWidth) > 0;
  const tol = 1.5;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const e = n.parentElement;
    if (!e || !shown(e)) continue;
    const r = document.createRange();
    r.selectNodeContents(n);
    const tr = r.getBoundingClientRect();
    if (tr.width === 0 && tr.height === 0) continue;
    const text = n.textContent.trim().slice(0, 40);
    // A glyph's line box may stand out of a tight box by a little above
    // and below: a fifth of the font size is not an overflow.
    const vtol = Math.max(tol, parseFloat(getComputedStyle(e).fontSize) * 0.2);
    if (tr.left < -tol || tr.right > vw + tol || tr.top < -vtol || (!pageScrolls && tr.bottom > vh + vtol)) {
      out.push(name(e) + ' "' + text + '": text at ' + [tr.left, tr.top, tr.right, tr.bottom].map(Math.round) + ' is off the screen ' + vw + 'x' + vh);
      continue;
    }
    for (let p = e; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (!isPanel(cs)) continue;
      const pr = p.getBoundingClientRect();
      // A panel that scrolls shows what is past its edge when scrolled:
      // only the other direction is checked.
      const scrollsX = cs.overflowX === 'auto' || cs.overflowX === 'scroll';
      const scrollsY = cs.overflowY === 'auto' || cs.overflowY === 'scroll';
      if (!scrollsX && (tr.left < pr.left - tol || tr.right > pr.right + tol) ||
          !scrollsY && (tr.top < pr.top - vtol || tr.bottom > pr.bottom + vtol)) {
        out.push(name(e) + ' "' + text + '": text at ' + [tr.left, tr.top, tr.right, tr.bottom].map(Math.round) +
          ' overflows its panel ' + name(p) + ' at ' + [pr.left, pr.top, pr.right, pr.bottom].map(Math.round));
        break;
      }
    }
  }
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e) || !e.textContent.trim()) continue;
    const cs = getComputedStyle(e);
    if (['INPUT', 'SELECT', 'TEXTAREA', 'svg'].includes(e.tagName)) continue;
    const clipsX = cs.overflowX === 'hidden' || cs.overflowX === 'clip';
    const clipsY = cs.overflowY === 'hidden' || cs.overflowY === 'clip';
    if (clipsX && e.scrollWidth > e.clientWidth + 1) {
      out.push(name(e) + ' "' + e.textContent.trim().slice(0, 40) + '": text clipped, scrollWidth ' + e.scrollWidth + ' > clientWidth ' + e.clientWidth);
    }
    if (clipsY && e !== document.body && e.scrollHeight > e.clientHeight + Math.max(1, parseFloat(cs.fontSize) * 0.25)) {
      out.push(name(e) + ' "' + e.textContent.trim().slice(0, 40) + '": text clipped, scrollHeight ' + e.scrollHeight + ' > clientHeight ' + e.clientHeight);
    }
  }
  return JSON.stringify(out);
})()`

// overflows lists the text that overflows its panel on the screen, or is
// clipped; pageScrolls says the page may run on below the screen.
func (s *screen) overflows(pageScrolls bool) []string {
	s.t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(s.eval(fmt.Sprintf(overflowJS, pageScrolls))), &out); err != nil {
		s.t.Fatalf("%s: overflow check: %v", s.name, err)
	}
	return out
}

// checkFits fails the test for each overflow on the screen, naming shot.
func (s *screen) checkFits(shot string, pageScrolls bool) {
	s.t.Helper()
	if o := s.overflows(pageScrolls); len(o) > 0 {
		s.t.Errorf("%s (screenshots/%s.png): %d overflow(s):\n  %s", s.name, shot, len(o), strings.Join(o, "\n  "))
	}
}

// eachFitsJS is the JavaScript that lists the elements matching sel whose
// text does not fit, "" when all fit: an element past the window's left or
// right edge, or one whose text runs out of its own box: wider
// (scrollWidth beyond clientWidth: an ellipsis, a cut word, a label wider
// than its button) or taller (scrollHeight beyond clientHeight: a label
// wrapped onto a line its button has no room for). As in overflowJS, a
// glyph may stand out of its line box by up to a fifth of the font size
// without overflowing: the kiosk's 50 px service names reach 6 px below
// their 1.2 line height, and nothing is cut.
func eachFitsJS(sel string) string {
	return fmt.Sprintf(`(() => {
  const bad = [];
  for (const e of document.querySelectorAll(%q)) {
    if (!e.getClientRects().length || e.closest("[hidden]")) continue;
    const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    const what = e.tagName + "." + e.className + " " + JSON.stringify(e.textContent.trim().slice(0, 40));
    const vtol = Math.max(1, parseFloat(cs.fontSize) * 0.2);
    if (r.right > innerWidth + 1 || r.left < -1) bad.push(what + " past the edge (" + Math.round(r.left) + "–" + Math.round(r.right) + ")");
    else if (cs.display === "inline") continue; // an inline box has no scroll size of its own
    else if (e.scrollWidth > e.clientWidth + 1) bad.push(what + " cut (width " + e.scrollWidth + " > " + e.clientWidth + ")");
    else if (e.scrollHeight > e.clientHeight + vtol) bad.push(what + " cut (height " + e.scrollHeight + " > " + e.clientHeight + ")");
  }
  return bad.join("; ");
})()`, sel)
}

// checkEachFits fails the test for each element of sel whose text does not
// fit (eachFitsJS).
func (s *screen) checkEachFits(sel string) {
	s.t.Helper()
	if bad := s.eval(eachFitsJS(sel)); bad != "" {
		s.t.Errorf("%s: text does not fit: %s", s.name, bad)
	}
}
