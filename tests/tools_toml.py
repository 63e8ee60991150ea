"""The tools of tools/tools.toml, for the Python tests: the file the build reads too (tools/tools.cmake).

TOOLS is the tools' names in the file's order; tools() each one's table (name, summary, filters).
"""
import pathlib
import tomllib

TOOLS_TOML = pathlib.Path(__file__).resolve().parent.parent / "tools" / "tools.toml"


def tools():
    with open(TOOLS_TOML, "rb") as f:
        return tomllib.load(f)["tool"]


TOOLS = [tool["name"] for tool in tools()]
