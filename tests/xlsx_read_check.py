#!/usr/bin/env python3
"""Reading .xlsx inventories (SPEC §3 "Workbooks", issue 25), end to end:

  xlsx_read_check.py BIN_DIR SOURCE_DIR WORK_DIR        the checks (needs openpyxl: python3-openpyxl)
  xlsx_read_check.py --fixtures DIR                     writes the hostile workbooks (fuzz regressions)

 1. every tool gives the same findings on samples/jiusan (CSV), jiusan.sqlite and jiusan.xlsx,
    and samples/make-xlsx rebuilds the committed workbook (same sheets, cells and formats);
 2. workbooks written the way Excel writes them (openpyxl: date cells under built-in and custom
    date formats, the 1904 date system, numbers, booleans, shared strings; and parts written by
    hand: rich-text runs, phonetic guides, inline strings, cached formula values) give the CSV's
    findings, as groups.xlsx in a directory, --table groups=F.xlsx and --table groups=F.xlsx#SHEET;
 3. a bad cell is reported at FILE#SHEET!COLROW with the CSV's message; formulas without a value,
    long numeric ids, merged data rows, error cells are refused with advice;
 4. a zip bomb (a part inflating past its declared size, or declaring more than 2 GiB), a
    billion-laughs DOCTYPE, an encrypted (OLE) or truncated file: exit 2 with a clear message;
 5. hidden sheets and rows are read, and said so under --verbose.
"""
import csv
import datetime
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile

TOOLS = ["registry-check", "membership-audit", "handover-check", "stale-group-finder"]
AS_OF = "2026-11-27"
FAILURES = []


def fail(message):
    FAILURES.append(message)
    print("FAIL: " + message, file=sys.stderr)


def run(bin_dir, tool, *args, verbose=False):
    command = [os.path.join(bin_dir, tool), *args, "--as-of", AS_OF, "--format", "jsonl"]
    if verbose:
        command.append("--verbose")
    env = dict(os.environ, TZ="UTC", LANG="C", LC_ALL="")
    return subprocess.run(command, capture_output=True, text=True, env=env)


def findings(result):
    """(rule, subject, message) of each finding of a jsonl report, in report order."""
    out = []
    for line in result.stdout.splitlines():
        record = json.loads(line)
        if record.get("type", "finding") != "finding" or "rule" not in record:
            continue
        subject = record.get("subject", {})
        out.append((record["rule"], json.dumps(subject, sort_keys=True, ensure_ascii=False), record.get("message")))
    return out


# --- workbooks written by hand, part by part (what openpyxl 3.0 cannot write) ---------------------

def raw_workbook(path, sheets, shared=(), formats=(), date1904=False, doctype="", prefixed=False):
    """sheets: [(name, sheet_data_xml, extra_xml_after_sheet_data, state)]; formats: custom codes,
    cell style i+1 uses formats[i] (style 0 is General)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sheet_list = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"{f" state={chr(34)}{state}{chr(34)}" if state else ""}/>'
        for i, (name, _, _, state) in enumerate(sheets))
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<workbook {ns} {rel}>'
                f'<workbookPr date1904="{1 if date1904 else 0}"/><sheets>{sheet_list}</sheets></workbook>')
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    rels += f'<Relationship Id="rIdS" Type="{base}sharedStrings" Target="sharedStrings.xml"/>'
    rels += f'<Relationship Id="rIdT" Type="{base}styles" Target="/xl/styles.xml"/>'
    num_fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{code}"/>' for i, code in enumerate(formats))
    xfs = '<xf numFmtId="0"/>' + "".join(
        f'<xf numFmtId="{code if isinstance(code, int) else 164 + i}" applyNumberFormat="1"/>'
        for i, code in enumerate(formats))
    styles = (f'<styleSheet {ns}><numFmts count="{len(formats)}">{num_fmts}</numFmts>'
              f'<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs>{xfs}</cellXfs></styleSheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                  f'<Relationship Id="rId1" Type="{base}officeDocument" Target="xl/workbook.xml"/>'
                                  f'</Relationships>')
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels",
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                   f'</Relationships>')
        z.writestr("xl/styles.xml", styles)
        z.writestr("xl/sharedStrings.xml", f'<sst {ns}>' + "".join(shared) + "</sst>")
        for i, (_, data, extra, _) in enumerate(sheets):
            body = f"<worksheet {ns}><sheetData>{data}</sheetData>{extra}</worksheet>"
            if prefixed:  # every element under a namespace prefix, as some writers do
                body = re.sub(r"<(/?)(?!/)(\w)", r"<\1x:\2", body).replace("xmlns=", "xmlns:x=")
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", '<?xml version="1.0" encoding="UTF-8"?>' + body)


def inline(text):
    return f'<is><t>{text}</t></is>'


def patch_sizes(path, part, size):
    """Rewrites the uncompressed size that the local and central headers declare for `part`."""
    data = bytearray(open(path, "rb").read())
    name = part.encode()
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            if data[at + name_at:at + name_at + length] == name:
                struct.pack_into("<I", data, at + size_at, size)
            at = data.find(signature, at + 4)
    open(path, "wb").write(bytes(data))


def write_fixtures(directory):
    """The hostile workbooks, for this test and as the fuzz target's regressions."""
    os.makedirs(directory, exist_ok=True)
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>group_id</t></is></c></row>'
    # A zip bomb: 50 MB of one row's cells, declaring 1,000 bytes.
    bomb = os.path.join(directory, "zip-bomb.xlsx")
    raw_workbook(bomb, [("groups", header + '<row r="2">' + " " * 50_000_000 + "</row>", "", "")])
    patch_sizes(bomb, "xl/worksheets/sheet1.xml", 1000)
    # A part declaring 3 GiB.
    huge = os.path.join(directory, "declares-3-gib.xlsx")
    raw_workbook(huge, [("groups", header, "", "")])
    patch_sizes(huge, "xl/worksheets/sheet1.xml", 3 << 30)
    # Billion laughs in the workbook part.
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i + 1} "{("&lol" + (str(i) if i else "") + ";") * 10}">' for i in range(9)) + "]>"
    raw_workbook(os.path.join(directory, "billion-laughs.xlsx"), [("groups&lol9;", header, "", "")], doctype=laughs)
    with open(os.path.join(directory, "encrypted.xlsx"), "wb") as f:
        f.write(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + bytes(504))
    good = open(os.path.join(directory, "billion-laughs.xlsx"), "rb").read()
    with open(os.path.join(directory, "truncated.xlsx"), "wb") as f:
        f.write(good[:len(good) // 2])


# --- the checks --------------------------------------------------------------------------------

def check_samples(bin_dir, source_dir, work_dir):
    samples = os.path.join(source_dir, "samples")
    for tool in TOOLS:
        results = {name: run(bin_dir, tool, "--inventory", os.path.join(samples, name))
                   for name in ("jiusan", "jiusan.sqlite", "jiusan.xlsx")}
        for name, result in results.items():
            if result.returncode != 1:
                fail(f"{tool} on samples/{name}: exit {result.returncode}, expected 1\n{result.stderr}")
        expected = findings(results["jiusan"])
        if not expected:
            fail(f"{tool}: no findings on the sample")
        for name in ("jiusan.sqlite", "jiusan.xlsx"):
            if findings(results[name]) != expected:
                fail(f"{tool}: samples/{name} gives other findings than samples/jiusan")
    # samples/make-xlsx rebuilds the committed workbook.
    rebuilt = os.path.join(work_dir, "rebuilt.xlsx")
    subprocess.run([sys.executable, os.path.join(samples, "make-xlsx"), os.path.join(samples, "jiusan"), rebuilt],
                   check=True)
    if workbook_contents(rebuilt) != workbook_contents(os.path.join(samples, "jiusan.xlsx")):
        fail("samples/jiusan.xlsx is out of date with samples/jiusan/*.csv: run samples/make-xlsx")


def workbook_contents(path):
    import openpyxl
    book = openpyxl.load_workbook(path)
    return [(sheet.title, [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()])
            for sheet in book.worksheets]


def groups_rows(source_dir):
    with open(os.path.join(source_dir, "samples", "jiusan", "groups.csv"), encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


# The date formats a group's date columns are written under, in turn: built-in 14 (m/d/yyyy),
# Chinese built-in-like custom codes, and a date-time.
DATE_FORMATS = ["mm-dd-yy", 'yyyy"年"m"月"d"日"', "yyyy/m/d", "[$-804]yyyy-mm-dd", "yyyy-mm-dd hh:mm"]


def excel_groups(path, source_dir, epoch1904=False, sheet_name="工作群"):
    """samples/jiusan/groups.csv as Excel keeps it: dates as date cells, yes/no as booleans."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    rows = groups_rows(source_dir)
    book = openpyxl.Workbook()
    if epoch1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = sheet_name
    sheet.append(rows[0])
    used = 0
    for r, row in enumerate(rows[1:], start=2):
        for c, (column, text) in enumerate(zip(rows[0], row), start=1):
            cell = sheet.cell(row=r, column=c)
            m = re.match(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})( (\d\d):(\d\d))?$", text)
            if column.endswith("_on") and m:
                parts = [int(g) for g in m.groups()[:3]] + ([int(m.group(5)), int(m.group(6))] if m.group(4) else [])
                cell.value = datetime.datetime(*parts)
                cell.number_format = "yyyy-mm-dd hh:mm" if m.group(4) else DATE_FORMATS[used % 4]
                used += 1
            elif column == "allows_external" and text in ("yes", "no"):
                cell.value = text == "yes"
            elif text:
                cell.value = text
    book.save(path)
    make_xlsx().share_strings(path)


def make_xlsx():
    """samples/make-xlsx as a module (its share_strings: text as Excel writes it)."""
    import importlib.machinery
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    loader = importlib.machinery.SourceFileLoader("make_xlsx", os.path.join(here, "..", "samples", "make-xlsx"))
    spec = importlib.util.spec_from_loader("make_xlsx", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def check_excel_written(bin_dir, source_dir, work_dir):
    csv_dir = os.path.join(source_dir, "samples", "jiusan")
    expected = findings(run(bin_dir, "stale-group-finder", "--inventory", csv_dir))
    for epoch1904 in (False, True):
        label = "1904" if epoch1904 else "1900"
        book = os.path.join(work_dir, f"groups-{label}.xlsx")
        excel_groups(book, source_dir, epoch1904)
        # groups.xlsx in a directory, beside the other tables' CSV files.
        directory = os.path.join(work_dir, f"dir-{label}")
        shutil.copytree(csv_dir, directory, dirs_exist_ok=True)
        os.remove(os.path.join(directory, "groups.csv"))
        shutil.copy(book, os.path.join(directory, "groups.xlsx"))
        for args in (["--inventory", directory],
                     ["--inventory", csv_dir, "--table", f"groups={book}"],
                     ["--inventory", csv_dir, "--table", f"groups={book}#工作群"]):
            result = run(bin_dir, "stale-group-finder", *args)
            if result.returncode != 1 or findings(result) != expected:
                fail(f"{label} date system, {' '.join(args)}: exit {result.returncode}, findings differ from the "
                     f"CSV's\n{result.stderr}")
    # A directory holding groups.csv and groups.xlsx is refused.
    both = os.path.join(work_dir, "both")
    shutil.copytree(csv_dir, both, dirs_exist_ok=True)
    shutil.copy(os.path.join(work_dir, "groups-1900.xlsx"), os.path.join(both, "groups.xlsx"))
    result = run(bin_dir, "stale-group-finder", "--inventory", both)
    if result.returncode != 2 or "groups.xlsx" not in result.stderr:
        fail(f"a directory with groups.csv and groups.xlsx: exit {result.returncode}\n{result.stderr}")


def check_hand_written_cells(bin_dir, work_dir):
    """Rich text, phonetic guides, inline strings, cached formula values, numbers padded by 00000."""
    header = ("<row r=\"1\">" + "".join(f'<c r="{col}1" t="inlineStr">{inline(name)}</c>' for col, name in
                                       zip("ABCDEFG", ["group_id", "name", "org_id", "term", "created_on",
                                                       "approved_by", "review"])) + "</row>")
    shared = ['<si><r><t>九三</t></r><r><rPr><b/></rPr><t xml:space="preserve">学社 </t></r><r><t>临时群</t></r>'
              '<rPh sb="0" eb="2"><t>ジウサン</t></rPh></si>']
    row = ('<row r="2"><c r="A2" s="2"><v>42</v></c><c r="B2" t="s"><v>0</v></c>'
           '<c r="C2" t="str"><f>"O"&amp;"01"</f><v>O01</v></c><c r="D2" t="inlineStr">' + inline("临时") + '</c>'
           '<c r="E2" s="1"><v>46000</v></c></row>')
    book = os.path.join(work_dir, "hand.xlsx")
    raw_workbook(book, [("Sheet1", header + row, "", "")], shared=shared, formats=["yyyy/m/d", "00000"], prefixed=True)
    result = run(bin_dir, "stale-group-finder", "--table", f"groups={book}")
    if result.returncode not in (0, 1):
        fail(f"hand-written workbook: exit {result.returncode}\n{result.stderr}")
        return
    # The CSV the cells mean gives the same findings.
    as_csv = os.path.join(work_dir, "hand.csv")
    with open(as_csv, "w", encoding="utf-8") as f:
        f.write("group_id,name,org_id,term,created_on,approved_by,review\n00042,九三学社 临时群,O01,临时,2025-12-09,,\n")
    if findings(result) != findings(run(bin_dir, "stale-group-finder", "--table", f"groups={as_csv}")):
        fail(f"hand-written workbook: findings differ from the CSV it means\n{result.stdout}")


def expect_error(bin_dir, label, args, wanted, tool="stale-group-finder"):
    result = run(bin_dir, tool, *args)
    if result.returncode != 2 or wanted not in result.stderr:
        fail(f"{label}: exit {result.returncode}, expected 2 and {wanted!r} on standard error, got:\n{result.stderr}")
    return result


def check_bad_cells(bin_dir, source_dir, work_dir):
    import openpyxl
    rows = groups_rows(source_dir)
    status = rows[0].index("status")
    # The same bad value in the CSV and in the workbook: the same message, each at its own position.
    bad_rows = [list(r) for r in rows]
    bad_rows[2][status] = "半解散"
    bad_csv = os.path.join(work_dir, "bad.csv")
    with open(bad_csv, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(bad_rows)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工作群"
    for row in bad_rows:
        sheet.append(row)
    bad_book = os.path.join(work_dir, "bad.xlsx")
    book.save(bad_book)
    make_xlsx().share_strings(bad_book)
    csv_error = run(bin_dir, "stale-group-finder", "--table", f"groups={bad_csv}").stderr.splitlines()[0]
    message = csv_error.split(": ", 1)[1]
    column = chr(ord("A") + status)
    expect_error(bin_dir, "bad cell", ["--table", f"groups={bad_book}"], f"{bad_book}#工作群!{column}3: {message}")

    def one_sheet(name, cells, extra="", formats=(), shared=()):
        path = os.path.join(work_dir, name)
        head = '<row r="1"><c r="A1" t="inlineStr"><is><t>group_id</t></is></c>' \
               '<c r="B1" t="inlineStr"><is><t>org_id</t></is></c></row>'
        raw_workbook(path, [("群", head + cells, extra, "")], formats=formats, shared=shared)
        return path

    path = one_sheet("formula.xlsx", '<row r="2"><c r="A2"><f>1+1</f></c><c r="B2" t="inlineStr">'
                                     + inline("O01") + "</c></row>")
    expect_error(bin_dir, "formula without a value", ["--table", f"groups={path}"],
                 f"{path}#群!A2: a formula with no saved value")
    path = one_sheet("long-id.xlsx", '<row r="2"><c r="A2"><v>1.23456789012345E+17</v></c>'
                                     '<c r="B2" t="inlineStr">' + inline("O01") + "</c></row>")
    expect_error(bin_dir, "long numeric id", ["--table", f"groups={path}"],
                 f"{path}#群!A2: the number 1.23456789012345E+17 has more than 15 digits")
    expect_error(bin_dir, "long numeric id advice", ["--table", f"groups={path}"], "store ids as text")
    path = one_sheet("error-cell.xlsx", '<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>')
    expect_error(bin_dir, "error cell", ["--table", f"groups={path}"], f"{path}#群!A2: the cell holds the error #N/A")
    path = one_sheet("merged.xlsx", '<row r="2"><c r="A2" t="inlineStr">' + inline("G1") + '</c><c r="B2" '
                     't="inlineStr">' + inline("O01") + '</c></row><row r="3"><c r="A3" t="inlineStr">'
                     + inline("G2") + "</c></row>", extra='<mergeCells count="1"><mergeCell ref="B2:B3"/></mergeCells>')
    expect_error(bin_dir, "merged data rows", ["--table", f"groups={path}"],
                 f"{path}#群!B2:B3: merged cells over data rows")
    expect_error(bin_dir, "no such sheet", ["--table", f"groups={path}#工作群"], "no sheet named 工作群")
    xls = os.path.join(work_dir, "old.xls")
    shutil.copy(path, xls)
    expect_error(bin_dir, ".xls", ["--table", f"groups={xls}"], "save as .xlsx")


def check_hostile(bin_dir, work_dir):
    fixtures = os.path.join(work_dir, "hostile")
    write_fixtures(fixtures)
    cases = {
        "zip-bomb.xlsx": "inflates past its declared size of 1000 bytes: a zip bomb",
        "declares-3-gib.xlsx": "would inflate to 3221225472 bytes, more than chataudit reads",
        "billion-laughs.xlsx": "has a DOCTYPE",
        "encrypted.xlsx": "password-protected",
        "truncated.xlsx": "not a readable .xlsx workbook",
    }
    for name, wanted in cases.items():
        path = os.path.join(fixtures, name)
        expect_error(bin_dir, name, ["--table", f"groups={path}"], f"{path}: ")
        expect_error(bin_dir, name, ["--table", f"groups={path}"], wanted)
        expect_error(bin_dir, name + " as an inventory", ["--inventory", path], wanted)


def check_hidden(bin_dir, work_dir):
    head = '<row r="1"><c r="A1" t="inlineStr"><is><t>群编号</t></is></c><c r="B1" t="inlineStr">' \
           '<is><t>所属组织</t></is></c></row>'
    rows = "".join(f'<row r="{r}"{" hidden=" + chr(34) + "1" + chr(34) if r in (3, 5) else ""}>'
                   f'<c r="A{r}" t="inlineStr">{inline("G" + str(r))}</c><c r="B{r}" t="inlineStr">{inline("O01")}'
                   f'</c></row>' for r in range(2, 7))
    path = os.path.join(work_dir, "hidden.xlsx")
    raw_workbook(path, [("说明", '<row r="1"><c r="A1" t="inlineStr"><is><t>readme</t></is></c></row>', "", ""),
                        ("工作群", head + rows, "", "hidden")])
    result = run(bin_dir, "stale-group-finder", "--inventory", path, verbose=True)
    for wanted in (f"{path}#工作群: a hidden sheet; read like the others",
                   f"{path}#工作群: 2 hidden rows (3, 5); read like the others"):
        if wanted not in result.stderr:
            fail(f"hidden sheet and rows: expected {wanted!r} under --verbose, got:\n{result.stderr}")
    quiet = run(bin_dir, "stale-group-finder", "--inventory", path)
    if "hidden" in quiet.stderr or quiet.returncode not in (0, 1):
        fail(f"hidden sheet without --verbose: exit {quiet.returncode}\n{quiet.stderr}")


def check_mapping_sheet(bin_dir, source_dir, work_dir):
    """[tables.groups] sheet = "…" in a mapping file: a workbook inventory's sheet, and a file's."""
    import openpyxl
    rows = groups_rows(source_dir)
    book = openpyxl.Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("二〇二六年台账")
    for row in rows:
        sheet.append(row)
    path = os.path.join(work_dir, "registry.xlsx")
    book.save(path)
    mapping = os.path.join(work_dir, "registry.toml")
    with open(mapping, "w", encoding="utf-8") as f:
        f.write('[tables.groups]\nsheet = "二〇二六年台账"\n')
    expected = findings(run(bin_dir, "stale-group-finder", "--inventory", os.path.join(source_dir, "samples", "jiusan")))
    for args in (["--inventory", path], ["--table", f"groups={path}"]):
        result = run(bin_dir, "stale-group-finder", *args, "--mapping", mapping)
        if result.returncode != 1 or findings(result) != expected:
            fail(f"mapping sheet, {args[0]}: exit {result.returncode}, findings differ\n{result.stderr}")
    with open(mapping, "w", encoding="utf-8") as f:
        f.write('[tables.groups]\nsheet = "工作群"\n')
    expect_error(bin_dir, "mapping names a sheet the workbook lacks", ["--inventory", path, "--mapping", mapping],
                 f'{mapping}:2:9: [tables.groups] sheet = "工作群": no such sheet in {path}')


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--fixtures":
        write_fixtures(sys.argv[2])
        return
    bin_dir, source_dir, work_dir = sys.argv[1:4]
    shutil.rmtree(work_dir, ignore_errors=True)
    os.makedirs(work_dir)
    check_samples(bin_dir, source_dir, work_dir)
    check_excel_written(bin_dir, source_dir, work_dir)
    check_hand_written_cells(bin_dir, work_dir)
    check_bad_cells(bin_dir, source_dir, work_dir)
    check_hostile(bin_dir, work_dir)
    check_hidden(bin_dir, work_dir)
    check_mapping_sheet(bin_dir, source_dir, work_dir)
    if FAILURES:
        sys.exit(f"{len(FAILURES)} failure(s)")
    print("xlsx checks passed")


if __name__ == "__main__":
    main()
