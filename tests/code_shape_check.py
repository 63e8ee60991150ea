#!/usr/bin/env python3
"""scripts/check-shape on a made-up tree: a function of 81 lines and a file of 701 are reported
with their positions, one of 80 lines, a data table of 701 and braces in strings and comments are
not. Then on the repository itself: silent. Usage: code_shape_check.py REPO"""
import pathlib
import subprocess
import sys
import tempfile

repo = pathlib.Path(sys.argv[1])
script = repo / "scripts" / "check-shape"


def function(name, lines):
    body = [f"  x += {i};  // {{ not a brace" for i in range(lines - 2)]
    return [f"int {name}(int x) {{"] + body + ["}"]


with tempfile.TemporaryDirectory() as root:
    src = pathlib.Path(root, "common", "src")
    src.mkdir(parents=True)
    pathlib.Path(root, "tools").mkdir()
    text = ["namespace chataudit {", 'const char* kBrace = "{";'] + function("long_one", 81) + \
        function("fits", 80) + ["struct S {", " public:"] + ["  " + l for l in function("method", 81)] + \
        ["};", "}  // namespace chataudit"]
    (src / "shapes.cpp").write_text("\n".join(text) + "\n")
    (src / "big.cpp").write_text("int x;\n" * 701)
    (src / "table.cpp").write_text("// shape: data table\n" + "int y;\n" * 701)
    result = subprocess.run([sys.executable, str(script), root], capture_output=True, text=True)
    expected = ["common/src/big.cpp:1: 701 lines (limit 700)",
                "common/src/shapes.cpp:3: long_one is 81 lines (limit 80)",
                "common/src/shapes.cpp:166: method is 81 lines (limit 80)"]
    if result.returncode != 1 or result.stdout.splitlines() != expected:
        sys.exit(f"check-shape on the made-up tree: exit {result.returncode}\n{result.stdout}{result.stderr}"
                 f"expected exit 1 and:\n" + "\n".join(expected))

result = subprocess.run([sys.executable, str(script), str(repo)], capture_output=True, text=True)
if result.returncode != 0 or result.stdout:
    sys.exit(f"check-shape on the repository (exit {result.returncode}):\n{result.stdout}{result.stderr}")
