#!/usr/bin/env python3
"""The HTML report in a real browser: Debian's headless Chromium, on screen, on a phone and on paper.

usage: browser_check.py BIN_DIR SOURCE_DIR WORK_DIR

Renders the sample's HTML reports (samples/jiusan, membership-audit and stale-group-finder,
--as-of 2026-11-27 against a baseline of 2026-10-01 so the change column shows, zh and en) and
checks, with Chromium (`chromium`, from scripts/install-deps --test; fonts-noto-cjk for the
Chinese):

- screenshots at 1280 and 390 px wide are not blank: the PNG is decoded here (zlib and struct, no
  imaging library) and must hold enough non-white pixels;
- nothing scrolls sideways at 390 px, and at 1280 px no date, due date or change (`.nw`, <time>)
  and no one-word column heading of a findings table ("变化", "Change") and no "who must act" (a
  name and an id, `.who`) breaks over lines. The report has no script, so this is
  measured on a page made for the test only: one --dump-dom run of a page that holds every report
  in <iframe srcdoc> frames 390 and 1280 px wide (srcdoc frames share the page's origin, so its
  script may read their layout: each frame's scrollWidth against its clientWidth, the line boxes of
  each value). The script writes what it measured into the DOM, which --dump-dom prints;
- printed to PDF (--print-to-pdf --no-pdf-header-footer), every page is A4: a /MediaBox of
  595 x 842 points, read from the PDF's text.

Each Chromium run has its own profile directory and a time limit; the screenshots are taken at a
device scale factor of 0.5 (the layout is the same, the PNG a quarter of the pixels to decode).
Exit status 0 when every check passes; otherwise 1, with every problem on standard error.
"""
import concurrent.futures
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

TOOLS = ("membership-audit", "stale-group-finder")
LANGS = ("zh", "en")
CHROMIUM_SECONDS = 120
A4 = (595.0, 842.0)  # 210 x 297 mm in points, as Chromium rounds them

MEASURE = """
<script>
window.addEventListener("load", () => {
  const results = [];
  for (const frame of document.querySelectorAll("iframe")) {
    const doc = frame.contentDocument, root = doc.documentElement;
    const result = {name: frame.dataset.name, width: frame.clientWidth, badges: doc.querySelectorAll(".badge").length,
                    overflow: root.scrollWidth - root.clientWidth, broken: []};
    const lines = (node) => {
      const range = doc.createRange();
      range.selectNodeContents(node);
      return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
    };
    const unbroken = Array.from(doc.querySelectorAll(".nw, time"));
    // A column heading may wrap between words, never inside one ("变化", "Change"); who must act
    // (a name and an id) stays on one line where the table has its columns.
    if (frame.clientWidth > 600) {
      unbroken.push(...Array.from(doc.querySelectorAll("table.stack th")).filter((th) => !/\s/.test(th.textContent)));
      unbroken.push(...Array.from(doc.querySelectorAll(".who")));
    }
    for (const node of unbroken)
      if (lines(node) > 1) result.broken.push(node.textContent);
    result.values = unbroken.length;
    results.push(result);
  }
  document.getElementById("result").textContent = JSON.stringify(results);
});
</script>
"""


def chromium_command(work, name, *arguments):
    return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-extensions", "--mute-audio",
            f"--user-data-dir={os.path.join(work, 'profile-' + name)}", *arguments]


def run_chromium(work, name, *arguments):
    """Runs Chromium; returns (stdout, problem or None)."""
    command = chromium_command(work, name, *arguments)
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="disabled:", HOME=work)
    try:
        done = subprocess.run(command, capture_output=True, timeout=CHROMIUM_SECONDS, env=env)
    except subprocess.TimeoutExpired:
        return b"", f"{name}: chromium took more than {CHROMIUM_SECONDS} s"
    if done.returncode != 0:
        return done.stdout, f"{name}: chromium exited {done.returncode}: {done.stderr.decode(errors='replace')[-400:]}"
    return done.stdout, None


def png_pixels(data):
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    at, chunks, header = 8, [], None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {color}, interlace {interlace}")
    channels = 3 if color == 2 else 4
    raw, stride, rows, previous = zlib.decompress(b"".join(chunks)), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 255
            elif kind == 2:
                row[i] = (row[i] + up) & 255
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(row) if channels == 3 else bytes(b for j, b in enumerate(row) if j % 4 != 3))
        previous = row
    return width, height, rows


def check_screenshot(path, css_width):
    problems = []
    try:
        with open(path, "rb") as file:
            width, height, rows = png_pixels(file.read())
    except (OSError, ValueError, zlib.error, struct.error, TypeError) as error:
        return [f"{path}: {error}"]
    if width != css_width // 2:
        problems.append(f"{path}: {width} px wide, expected {css_width // 2} (half of {css_width})")
    white = bytes([255, 255, 255])
    non_white = sum(1 for row in rows for x in range(0, len(row), 3) if row[x:x + 3] != white)
    share = non_white / max(1, width * height)
    if share < 0.01:
        problems.append(f"{path}: blank: {non_white} non-white pixels of {width * height}")
    return problems


def media_boxes(path):
    with open(path, "rb") as file:
        data = file.read()
    return [tuple(float(n) for n in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)]


def check_pdf(path):
    if not os.path.exists(path):
        return [f"{path}: no PDF written"]
    boxes = media_boxes(path)
    if not boxes:
        return [f"{path}: no /MediaBox"]
    problems = []
    for box in boxes:
        size = (box[2] - box[0], box[3] - box[1])
        if abs(size[0] - A4[0]) > 1.5 or abs(size[1] - A4[1]) > 1.5:
            problems.append(f"{path}: a page of {size[0]:g} x {size[1]:g} pt, not A4 ({A4[0]:g} x {A4[1]:g})")
    return problems


def render_reports(bin_dir, source, work):
    """Writes every tool's HTML report in both languages; returns {name: path}."""
    pages = {}
    sample = os.path.join(source, "samples", "jiusan")
    for tool in TOOLS:
        baseline = os.path.join(work, f"{tool}-baseline.json")
        base = [os.path.join(bin_dir, tool), "--inventory", sample]
        subprocess.run(base + ["--as-of", "2026-10-01", "--format", "json", "--output", baseline, "--quiet"],
                       check=False, timeout=120)
        for lang in LANGS:
            page = os.path.join(work, f"{tool}-{lang}.html")
            done = subprocess.run(base + ["--as-of", "2026-11-27", "--lang", lang, "--baseline", baseline,
                                          "--format", "html", "--output", page, "--quiet"], timeout=120)
            if done.returncode not in (0, 1) or not os.path.exists(page):
                raise RuntimeError(f"{tool} --lang {lang} exited {done.returncode}")
            pages[f"{tool}-{lang}"] = page
    return pages


def measure_page(pages, work):
    """The page holding every report at 390 and 1280 px, with the measuring script."""
    frames = []
    for name, path in pages.items():
        with open(path, encoding="utf-8") as file:
            text = file.read()
        for width in (390, 1280):
            frames.append(f'<iframe data-name="{name}@{width}" style="width:{width}px;height:1500px;border:0" '
                          f'srcdoc="{html.escape(text, quote=True)}"></iframe>')
    out = os.path.join(work, "measure.html")
    with open(out, "w", encoding="utf-8") as file:
        file.write("<!DOCTYPE html><html><body>" + "".join(frames) + '<pre id="result">none</pre>' + MEASURE +
                   "</body></html>")
    return out


def check_measures(dom, pages):
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    if not match or match.group(1) == "none":
        return ["the measuring page did not report (its script did not run)"]
    problems, results = [], json.loads(html.unescape(match.group(1)))
    if len(results) != 2 * len(pages):
        problems.append(f"measured {len(results)} frames, expected {2 * len(pages)}")
    for result in results:
        name = result["name"]
        if result["badges"] == 0:
            problems.append(f"{name}: no badge rendered")
        if result["values"] == 0:
            problems.append(f"{name}: no date, due date or change to measure")
        if result["overflow"] > 0:
            problems.append(f"{name}: scrolls sideways by {result['overflow']} px")
        for value in result["broken"]:
            problems.append(f"{name}: {value!r} breaks over lines")
    return problems


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bin_dir, source, work = argv[1:]
    if shutil.which("chromium") is None:
        print("browser_check: no chromium (install it with scripts/install-deps --test)", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    pages = render_reports(bin_dir, source, work)
    measure = measure_page(pages, work)
    jobs = {"measure": ("--window-size=1400,1000", "--virtual-time-budget=10000", "--dump-dom",
                        "file://" + measure)}
    shots = {}
    for lang in LANGS:
        page = "file://" + pages[f"membership-audit-{lang}"]
        for width in (1280, 390):
            shot = os.path.join(work, f"membership-audit-{lang}-{width}.png")
            shots[shot] = width
            jobs[f"shot-{lang}-{width}"] = (f"--window-size={width},1600", "--force-device-scale-factor=0.5",
                                            "--hide-scrollbars", f"--screenshot={shot}", page)
        jobs[f"pdf-{lang}"] = ("--no-pdf-header-footer", f"--print-to-pdf={os.path.join(work, lang + '.pdf')}", page)
    problems, outputs = [], {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run_chromium, work, name, *arguments) for name, arguments in jobs.items()}
        for name, future in futures.items():
            outputs[name], problem = future.result()
            if problem:
                problems.append(problem)
    problems += check_measures(outputs["measure"].decode("utf-8", errors="replace"), pages)
    for shot, width in shots.items():
        problems += check_screenshot(shot, width)
    for lang in LANGS:
        problems += check_pdf(os.path.join(work, lang + ".pdf"))
    for problem in problems:
        print(f"browser_check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
