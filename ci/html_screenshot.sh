#!/usr/bin/env bash
# Renders an `llsim show --html` page in headless chromium and checks the
# screenshot is a real picture (not an empty or error page). Exits 77
# (ctest: skipped) when chromium is not installed.
# Usage: html_screenshot.sh LLSIM TRACE WORKDIR
set -u
llsim=$1; trace=$2; work=$3
browser=
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" > /dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
	echo "html_screenshot: SKIPPED: no chromium (chromium, chromium-browser, google-chrome) on PATH"
	exit 77
fi
mkdir -p "$work"
page=$(cd "$work" && pwd)/timeline.html
png=$(cd "$work" && pwd)/timeline.png
rm -f "$page" "$png"
"$llsim" show "$trace" --html "$page" > "$work/show.txt" 2>&1 ||
	{ echo "html_screenshot: llsim show failed:"; tail -n 5 "$work/show.txt"; exit 1; }
# A profile of its own: no state shared with another run of the browser.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
	--screenshot="$png" --window-size=1400,900 "file://$page" > "$work/browser.txt" 2>&1
if [ ! -s "$png" ]; then
	echo "html_screenshot: $browser wrote no screenshot:"; tail -n 5 "$work/browser.txt"; exit 1
fi
size=$(wc -c < "$png")
# A blank 1400x900 page compresses to a few KB; the timeline's lanes and
# colours take tens.
if [ "$size" -lt 20000 ]; then
	echo "html_screenshot: $png is only $size bytes: the page drew (almost) nothing"; exit 1
fi
echo "ok: $png, $size bytes"
